namespace OnnxAblation.Runtime;

/// <summary>Classification metrics of one evaluation (a baseline or one damaged network).</summary>
public sealed class EvaluationResult
{
    public required int Samples { get; init; }

    public required int Classes { get; init; }

    public required double Accuracy { get; init; }

    /// <summary>Per-class accuracy (recall); NaN for a class with no samples.</summary>
    public required double[] ClassAccuracy { get; init; }

    public required int[] ClassCount { get; init; }

    /// <summary>Row = true class, column = predicted class, row-major K×K.</summary>
    public required int[] Confusion { get; init; }

    /// <summary>Mean cross-entropy over all samples.</summary>
    public required double MeanLoss { get; init; }

    /// <summary>Mean cross-entropy per true class.</summary>
    public required double[] ClassMeanLoss { get; init; }

    /// <summary>Top-k accuracy for the k asked for (k ≤ Classes).</summary>
    public required IReadOnlyDictionary<int, double> TopK { get; init; }

    /// <summary>Predicted class per sample; −1 where the output was NaN or infinite.</summary>
    public required int[] Predicted { get; init; }

    /// <summary>Samples whose output held NaN or ±∞ (counted wrong).</summary>
    public required int NonFinite { get; init; }

    /// <summary>The effect against the intact model's outputs on the same samples, when the evaluator had them.</summary>
    public IntactEffect? Effect { get; init; }

    /// <summary>Balanced accuracy: the mean of the per-class accuracies over classes that have samples.</summary>
    public double BalancedAccuracy => ClassAccuracy.Where(a => !double.IsNaN(a)).DefaultIfEmpty(double.NaN).Average();
}
