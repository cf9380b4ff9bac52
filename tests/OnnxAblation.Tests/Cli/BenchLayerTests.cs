using OnnxAblation.Ablation.Evaluation;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// <c>bench</c>'s per-layer figures: seconds per ablation of each path, their ratio, the fast path's GFLOP/s and
/// share of the GEMM peak; the summary over layers (no timing here: the figures are given).
/// </summary>
public class BenchLayerTests
{
    private static BenchLayer Layer(string name, int fast, double fastSeconds, int reference, double referenceSeconds, double gflop = 100, double peak = 200) =>
        new(name, 64, fast, fastSeconds, reference, referenceSeconds, 0, 0, gflop, peak);

    [Fact]
    public void Rates_are_per_ablation_and_the_ratio_is_reference_over_fast()
    {
        var l = Layer("a", 16, 2.0, 2, 5.0) with { GemmPeakAfterLayer = 100 };
        Assert.Equal(0.125, l.FastSecondsPerAblation!.Value, 12);
        Assert.Equal(2.5, l.ReferenceSecondsPerAblation!.Value, 12);
        Assert.Equal(20, l.FastVsReference!.Value, 12);
        Assert.Equal(50, l.FastGflopPerSecond!.Value, 12); // 100 GFLOP needed in 2 s
        Assert.Equal(0.25, l.FastShareOfGemmPeak!.Value, 12);
        Assert.Equal(0.5, l.FastShareOfPeakAfterLayer!.Value, 12);
        Assert.Null(l.OverridableSecondsPerAblation);
    }

    [Fact]
    public void A_path_that_timed_no_ablation_of_the_layer_has_no_rate_and_no_ratio()
    {
        var l = Layer("a", 16, 2.0, 0, 0);
        Assert.Null(l.ReferenceSecondsPerAblation);
        Assert.Null(l.FastVsReference);
        Assert.Null(l.FastShareOfPeakAfterLayer);
        Assert.Null(Layer("b", 0, 0, 1, 1).FastGflopPerSecond);
    }

    [Fact]
    public void The_summary_gives_min_median_and_layers_at_the_target_over_layers_with_a_ratio()
    {
        // ratios 2, 4, 6, 10 and one layer without a reference figure
        var layers = new[] { Layer("a", 1, 1, 1, 2), Layer("b", 1, 1, 1, 10), Layer("c", 1, 1, 1, 4), Layer("d", 1, 1, 1, 6), Layer("e", 1, 1, 0, 0) };
        var (min, median, atTarget, measured) = BenchLayer.Summarize(layers, 5);
        Assert.Equal(2, min!.Value, 12);
        Assert.Equal(5, median!.Value, 12);
        Assert.Equal(2, atTarget);
        Assert.Equal(4, measured);
        Assert.Equal(4, BenchLayer.Summarize(layers.Take(3), 5).Median!.Value, 12);
        Assert.Equal((null, null, 0, 0), BenchLayer.Summarize([], 5));
    }
}
