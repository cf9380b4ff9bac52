using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Studies;

/// <summary>One evaluation a study asks for: its content key, the study that wants it, and the unit sets.</summary>
public sealed record PlannedAblation(string Key, string Study, IReadOnlyList<UnitSet> Sets);
