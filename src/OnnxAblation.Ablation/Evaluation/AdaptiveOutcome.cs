using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// One ablation evaluated by <see cref="AdaptiveEvaluator"/>. On all samples (<see cref="Partial"/> false) every
/// value is the exact evaluation's. On a slice of <see cref="Samples"/> samples: <see cref="Accuracy"/>,
/// <see cref="ClassAccuracy"/>, <see cref="MeanLoss"/> and <see cref="ClassMeanLoss"/> are paired estimates of the
/// full-data values (the intact model's full-data value plus the change measured on the slice against the intact model
/// on the same samples; a class without samples in the slice: NaN); <see cref="Correct"/> holds the ablated model's
/// correctness on the slice's samples and the intact model's elsewhere, so flips counted from it are the slice's;
/// <see cref="Measured"/>'s non-finite count and effect are the slice's.
/// </summary>
public sealed record AdaptiveOutcome
{
    /// <summary>The evaluation of the last slice (all samples when not <see cref="Partial"/>).</summary>
    public required EvaluationResult Measured { get; init; }

    /// <summary>Samples the result comes from.</summary>
    public required int Samples { get; init; }

    /// <summary>Half-width of the 95% interval of the accuracy change (a fraction; 0 on all samples).</summary>
    public required double Interval { get; init; }

    public required bool Partial { get; init; }

    public required double Accuracy { get; init; }

    public required double[] ClassAccuracy { get; init; }

    public required double MeanLoss { get; init; }

    public required double[] ClassMeanLoss { get; init; }

    /// <summary>Correctness bits of every sample of the whole data set, as a record stores them (see the type's summary for a partial result).</summary>
    public required byte[] Correct { get; init; }
}
