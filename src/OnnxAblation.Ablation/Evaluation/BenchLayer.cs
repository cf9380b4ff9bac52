namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// One layer's figures from one <c>onnx-ablate bench</c> run, every path timed in the same process: the seconds of each path's
/// call for this layer's ablations alone (the fast path's include the layer's graph cut, session creation and prefix
/// runs; the slow paths' a model copy and session per ablation or per layer), the FLOPs the fast path needs for them
/// (the prefix once, the suffix once per ablation, over all samples) and the GEMM peak of the same run.
/// </summary>
/// <param name="Units">The layer's units (the paths may time fewer: see the ablation counts).</param>
/// <param name="OverridableAblations">0 where the overridable path was not timed.</param>
public sealed record BenchLayer(
    string Layer, int Units,
    int FastAblations, double FastSeconds,
    int ReferenceAblations, double ReferenceSeconds,
    int OverridableAblations, double OverridableSeconds,
    double FastGflopNeeded, double GemmPeakGflopPerSecond)
{
    public double? FastSecondsPerAblation => PerAblation(FastSeconds, FastAblations);

    public double? ReferenceSecondsPerAblation => PerAblation(ReferenceSeconds, ReferenceAblations);

    public double? OverridableSecondsPerAblation => PerAblation(OverridableSeconds, OverridableAblations);

    /// <summary>Reference seconds per ablation over the fast path's: how many times faster the fast path is on this layer.</summary>
    public double? FastVsReference => ReferenceSecondsPerAblation is double r && FastSecondsPerAblation is double f && f > 0 ? r / f : null;

    /// <summary>The FLOPs the fast path needs for this layer's ablations over its wall time.</summary>
    public double? FastGflopPerSecond => FastAblations > 0 && FastSeconds > 0 ? FastGflopNeeded / FastSeconds : null;

    /// <summary><see cref="FastGflopPerSecond"/> as a share of the GEMM peak measured in the same run.</summary>
    public double? FastShareOfGemmPeak => FastGflopPerSecond is double g && GemmPeakGflopPerSecond > 0 ? g / GemmPeakGflopPerSecond : null;

    /// <summary>The GEMM peak measured right after this layer's fast-path call (<c>--gemm-per-layer</c>), under the load of that moment; null where not measured.</summary>
    public double? GemmPeakAfterLayer { get; init; }

    /// <summary><see cref="FastGflopPerSecond"/> as a share of <see cref="GemmPeakAfterLayer"/>.</summary>
    public double? FastShareOfPeakAfterLayer => FastGflopPerSecond is double g && GemmPeakAfterLayer is double p && p > 0 ? g / p : null;

    private static double? PerAblation(double seconds, int ablations) => ablations > 0 ? seconds / ablations : null;

    /// <summary>The smallest and the median fast-vs-reference ratio over the layers that have one, and how many reach <paramref name="target"/>.</summary>
    public static (double? Min, double? Median, int AtTarget, int Measured) Summarize(IEnumerable<BenchLayer> layers, double target)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var ratios = layers.Select(l => l.FastVsReference).OfType<double>().Order().ToList();
        if (ratios.Count == 0) return (null, null, 0, 0);
        int n = ratios.Count;
        double median = n % 2 == 1 ? ratios[n / 2] : (ratios[(n / 2) - 1] + ratios[n / 2]) / 2;
        return (ratios[0], median, ratios.Count(r => r >= target), n);
    }
}
