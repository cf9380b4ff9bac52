namespace OnnxAblation.Results;

/// <summary>
/// Which path a layer's single-unit ablations take: the fast path (cached prefix, masked suffix) or the reference path
/// (a full pass per ablation), and why not the fast one (<see cref="AblationSession.Paths"/>).
/// </summary>
public sealed record LayerPath(string Layer, int Units, bool Fast, string? Reason);
