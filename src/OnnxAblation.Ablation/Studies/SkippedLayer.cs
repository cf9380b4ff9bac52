namespace OnnxAblation.Ablation.Studies;

/// <summary>A layer (or a group naming it) that a study could not ablate in its mode, with the reason; the rest of the study runs.</summary>
public sealed record SkippedLayer(string Layer, string Reason);
