using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Requests;

/// <summary>What every study into a store needs: the store, the mode, the evaluator and the shard.</summary>
public record StudySettings
{
    /// <summary>The SQLite result store; an existing one for the same model and data resumes.</summary>
    public required string StorePath { get; init; }

    public ModeSpec Mode { get; init; } = ModeSpec.ZeroIn;

    /// <summary>Seed of random orders (and of noise, with the mode's own seed).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Evaluate every ablation the slow, obvious way (rewrite, new session, full pass) instead of the fast path.</summary>
    public bool ExactReference { get; init; }

    /// <summary>Fast-path sizes (ablations per run, memory for cached prefixes and pending outputs).</summary>
    public FastOptions Fast { get; init; } = new();

    /// <summary>Run only this slice of the study (Slurm arrays, Kubernetes Indexed Jobs); <c>merge</c> reunites them.</summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>
    /// Adaptive sample sizes (<c>--adaptive EPS</c>): each ablation evaluated on growing slices of the data until its
    /// accuracy change is known to ±EPS points (95% interval) or the data are exhausted; null: exact on all samples.
    /// </summary>
    public AdaptiveSampling? Adaptive { get; init; }

    /// <summary>What orders units by measured impact; null: accuracy, or drift for models whose output is not class scores.</summary>
    public ImpactMeasure? Impact { get; init; }
}
