using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Studies;

/// <summary>Which studies to run on which layers (layer names; empty = none of that study).</summary>
public sealed record StudyDefinition
{
    public IReadOnlyList<string> SingleLayers { get; init; } = [];

    public IReadOnlyList<string> PairLayers { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<UnitSet>> Groups { get; init; } = [];

    public IReadOnlyList<string> WholeLayers { get; init; } = [];

    /// <summary>Layers that get cumulative curves: random orders (one per seed) and the order by measured single-unit impact.</summary>
    public IReadOnlyList<string> CumulativeLayers { get; init; } = [];

    public int CumulativeSeeds { get; init; } = 5;

    /// <summary>
    /// Layers whose units are removed together in one cumulative curve across all of them (Michel et al. 2019: heads of
    /// every attention layer): random orders (one per seed) and the order by measured single-unit impact.
    /// </summary>
    public IReadOnlyList<string> AcrossLayers { get; init; } = [];

    /// <summary>Bau et al. 2020: per class, ablate the N units most / least important for it (N values).</summary>
    public IReadOnlyList<string> ClassTopLayers { get; init; } = [];

    public IReadOnlyList<int> ClassTopN { get; init; } = [1, 2, 4, 8];
}
