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

    /// <summary>
    /// Study the attention heads (Michel et al. 2019): the layers are the model's head layers (with any named in
    /// <see cref="Layers"/>), and heads are also removed cumulatively across all attention layers.
    /// </summary>
    public bool Heads { get; init; }

    /// <summary>Also remove each transformer sub-block (attention, MLP) from the residual stream.</summary>
    public bool Blocks { get; init; }

    /// <summary>Layers whose units are removed cumulatively across all of them (null: the head layers with <see cref="Heads"/>, else none).</summary>
    public IReadOnlyList<string>? AcrossLayers { get; init; }

    /// <summary>Random orders per cumulative curve.</summary>
    public int CumulativeSeeds { get; init; } = 5;

    /// <summary>N values of the per-class top/bottom-N ablations.</summary>
    public IReadOnlyList<int> ClassTopN { get; init; } = [1, 2, 4, 8];
}
