namespace OnnxAblation.Results;

/// <summary>
/// Which path a layer's single-unit ablations take: the fast path (cached prefix, masked suffix) or the reference path
/// (a full pass per ablation), and why not the fast one (<see cref="AblationSession.Paths"/>).
/// </summary>
public sealed record LayerPath(string Layer, int Units, bool Fast, string? Reason)
{
    /// <summary>On the fast path, how the suffix applies an ablation: "mask", or "linear update of Conv '…'" (the first consumer's intact output minus the ablated units' contribution).</summary>
    public string? Update { get; init; }
}
