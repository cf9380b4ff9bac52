namespace OnnxAblation.Results;

/// <summary>
/// What a study will cost, estimated before it runs (<see cref="AblationSession.Plan"/>): ablations, FLOPs per path,
/// time on this machine from a calibration run, memory, store size and shards for a wall time.
/// </summary>
public sealed record StudyPlan
{
    /// <summary>Samples every ablation is evaluated on.</summary>
    public required int Samples { get; init; }

    /// <summary>Ablations of phase 1 (singles, groups, pairs, whole layers, random cumulative orders), the baseline not counted.</summary>
    public required int PhaseOneAblations { get; init; }

    /// <summary>Ablations of phase 2 (orders by measured impact, per-class top/bottom-N), run after every single is stored: an
    /// upper bound, since classes whose top/bottom-N sets turn out the same are evaluated once.</summary>
    public required int PhaseTwoAblations { get; init; }

    public int Ablations => PhaseOneAblations + PhaseTwoAblations;

    /// <summary>Ablations per part of the study (single, pair, whole, cumulative, class-top, ...).</summary>
    public required IReadOnlyDictionary<string, int> ByStudy { get; init; }

    /// <summary>Per layer where the fast path cuts: ablations, FLOPs and the calibrated time.</summary>
    public required IReadOnlyList<LayerCost> Layers { get; init; }

    /// <summary>Layers the mode cannot ablate, left out (with reasons).</summary>
    public required IReadOnlyList<(string Layer, string Reason)> Skipped { get; init; }

    /// <summary>The evaluator the study will use (fast, or reference with --exact-reference).</summary>
    public required string Evaluator { get; init; }

    /// <summary>FLOPs of the fast path: each cut layer's prefix once, then the suffix per ablation (2 × multiply-adds × samples).</summary>
    public required double FastFlop { get; init; }

    /// <summary>FLOPs of the reference path: a full forward pass per ablation.</summary>
    public required double ReferenceFlop { get; init; }

    /// <summary>Expected wall time of the whole study on this machine (baseline, phase 1, phase 2), from the calibration.</summary>
    public required TimeSpan Expected { get; init; }

    /// <summary>Of <see cref="Expected"/>, phase 2 (not shardable: it needs every single).</summary>
    public required TimeSpan ExpectedPhaseTwo { get; init; }

    /// <summary>Samples and seconds the calibration ran.</summary>
    public required int CalibrationSamples { get; init; }

    public required double CalibrationSeconds { get; init; }

    /// <summary>The memory budget (its split) the study keeps to, and the data and model sizes in it.</summary>
    public required string MemoryBudget { get; init; }

    public required long MemoryBudgetBytes { get; init; }

    public required long DataBytes { get; init; }

    public required long ModelBytes { get; init; }

    /// <summary>Expected size of the result store (bytes), from the calibration's records scaled to the samples.</summary>
    public required long StoreBytes { get; init; }

    /// <summary>The wall time asked for, and the shards (array tasks) that bring phase 1 under it (phase 2 then runs once
    /// on the merged store); null when no shard count can (phase 2 alone is longer).</summary>
    public TimeSpan? WallTime { get; init; }

    public int? Shards { get; init; }
}
