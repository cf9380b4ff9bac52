using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Tests.Adaptive;

/// <summary>The adaptive sampling's settings, slices, order and interval, checked by hand.</summary>
public class AdaptiveSamplingTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("one")]
    [InlineData("")]
    [InlineData("101")]
    public void A_bad_eps_is_one_clear_line(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => AdaptiveSampling.Parse(text));
        Assert.StartsWith($"--adaptive '{text}': give the interval's half-width in accuracy points", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Eps_is_in_points_and_the_slices_double_up_to_all_samples()
    {
        var s = AdaptiveSampling.Parse("0.5", seed: 3);
        Assert.Equal(0.005, s.Eps, 12);
        Assert.Equal(3, s.Seed);
        Assert.Equal([256, 512, 1024, 2048, 4096, 8192, 10000], s.Stages(10000));
        Assert.Equal([256, 512], s.Stages(512));
        Assert.Equal([100], s.Stages(100)); // fewer samples than the first slice: exact
        Assert.Contains("eps=0.5 points", s.Identity, StringComparison.Ordinal);
        Assert.Contains("seed 3", s.Identity, StringComparison.Ordinal);
    }

    [Fact]
    public void The_order_is_a_seeded_permutation()
    {
        var s = new AdaptiveSampling { EpsPoints = 1, Seed = 5 };
        var order = s.Order(1000);
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.Equal(order, s.Order(1000));
        Assert.NotEqual(order, (s with { Seed = 6 }).Order(1000));
        Assert.NotEqual(Enumerable.Range(0, 1000), order);
    }

    [Fact]
    public void The_interval_is_the_agresti_min_paired_wald_interval_with_the_finite_population_correction()
    {
        // b = 10 to wrong, c = 4 to right on n = 1000 of N = 10000: b' = 10.5, c' = 4.5, n' = 1002
        double expected = AdaptiveSampling.Z95 * Math.Sqrt(15 - 36 / 1002.0) / 1002 * Math.Sqrt(9000 / 9999.0);
        Assert.Equal(expected, AdaptiveSampling.HalfWidth(10, 4, 1000, 10000), 15);
        Assert.True(AdaptiveSampling.HalfWidth(0, 0, 256, 10000) > 0, "no flips still give a positive width");
        Assert.Equal(0, AdaptiveSampling.HalfWidth(3, 1, 10000, 10000)); // all samples: the exact value
        Assert.True(AdaptiveSampling.HalfWidth(20, 20, 2000, 10000) < AdaptiveSampling.HalfWidth(10, 10, 1000, 10000), "more samples, narrower");
    }
}
