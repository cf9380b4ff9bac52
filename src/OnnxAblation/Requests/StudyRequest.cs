namespace OnnxAblation.Requests;

/// <summary>
/// The study of Meyes et al. (2019): single units of every chosen layer, all pairs of the pair layers, whole layers,
/// cumulative curves (random orders and by measured impact) and per-class top/bottom-N.
/// </summary>
public sealed record StudyRequest : StudySettings
{
    /// <summary>Layers for single-unit sweeps, whole layers, cumulative curves and per-class top/bottom-N (null: every hidden layer).</summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>Layers whose unit pairs are all ablated (null: the first of <see cref="Layers"/>; empty: none).</summary>
    public IReadOnlyList<string>? PairLayers { get; init; }

    /// <summary>Random orders per cumulative curve.</summary>
    public int CumulativeSeeds { get; init; } = 5;

    /// <summary>N values of the per-class top/bottom-N ablations.</summary>
    public IReadOnlyList<int> ClassTopN { get; init; } = [1, 2, 4, 8];
}
