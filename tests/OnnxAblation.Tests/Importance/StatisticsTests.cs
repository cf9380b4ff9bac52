using MathNet.Numerics.Random;
using OnnxAblation.Importance;

namespace OnnxAblation.Tests.Importance;

public class StatisticsTests
{
    public static TheoryData<string> MwuCases() => new(StatsGolden.StatCaseNames("mwu_asymptotic"));

    public static TheoryData<string> ExactCases() => new(StatsGolden.StatCaseNames("mwu_exact"));

    public static TheoryData<string> CorrelationCases() => new(StatsGolden.StatCaseNames("pearson"));

    // Tolerances: U is a count (exact); p-values to 1e-9 relative (SciPy and MathNet special functions differ
    // in the last digits); correlation coefficients to 1e-12 absolute.
    [Theory]
    [MemberData(nameof(MwuCases))]
    public void MannWhitney_asymptotic_matches_scipy(string name)
    {
        var c = StatsGolden.StatCase(name);
        var r = MannWhitney.Test(StatsGolden.Doubles(c.GetProperty("x")), StatsGolden.Doubles(c.GetProperty("y")));
        Assert.Equal(StatsGolden.Num(c, "mwu_asymptotic", "U"), r.U);
        StatsGolden.Close(StatsGolden.Num(c, "mwu_asymptotic", "p"), r.P, 1e-9, 1e-15, name + " p");
        Assert.Equal(2 * r.U / (r.N1 * (double)r.N2) - 1, r.RankBiserial, 12);
        Assert.Equal("asymptotic", r.Method);
    }

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void MannWhitney_exact_matches_scipy(string name)
    {
        var c = StatsGolden.StatCase(name);
        var r = MannWhitney.Exact(StatsGolden.Doubles(c.GetProperty("x")), StatsGolden.Doubles(c.GetProperty("y")));
        Assert.Equal(StatsGolden.Num(c, "mwu_exact", "U"), r.U);
        StatsGolden.Close(StatsGolden.Num(c, "mwu_exact", "p"), r.P, 1e-10, 1e-15, name + " exact p");
    }

    [Theory]
    [MemberData(nameof(CorrelationCases))]
    public void Pearson_and_Spearman_match_scipy(string name)
    {
        var c = StatsGolden.StatCase(name);
        var x = StatsGolden.Doubles(c.GetProperty("x"));
        var y = StatsGolden.Doubles(c.GetProperty("y"));
        var p = Correlation.Pearson(x, y);
        var s = Correlation.Spearman(x, y);
        StatsGolden.Close(StatsGolden.Num(c, "pearson", "r"), p.R, 0, 1e-12, name + " pearson r");
        StatsGolden.Close(StatsGolden.Num(c, "pearson", "p"), p.P, 1e-9, 1e-15, name + " pearson p");
        StatsGolden.Close(StatsGolden.Num(c, "spearman", "r"), s.R, 0, 1e-12, name + " spearman r");
        StatsGolden.Close(StatsGolden.Num(c, "spearman", "p"), s.P, 1e-9, 1e-15, name + " spearman p");
        Assert.Null(p.Note);
        Assert.Null(s.Note);
    }

    [Fact]
    public void Exact_null_distribution_sums_to_one_and_is_symmetric()
    {
        var pmf = MannWhitney.NullDistribution(7, 5);
        Assert.Equal(36, pmf.Length);
        Assert.Equal(1, pmf.Sum(), 12);
        for (int u = 0; u < pmf.Length; u++) Assert.Equal(pmf[u], pmf[^(u + 1)], 14);
        Assert.Equal(1 / 792.0, pmf[0], 15); // 1 / C(12,5)
    }

    [Fact]
    public void Exact_refuses_ties_and_large_samples()
    {
        var e = Assert.Throws<ArgumentException>(() => MannWhitney.Exact([1, 2, 3], [3, 4]));
        Assert.Contains("tied", e.Message, StringComparison.Ordinal);
        var big = Enumerable.Range(0, 200).Select(i => (double)i).ToArray();
        e = Assert.Throws<ArgumentException>(() => MannWhitney.Exact(big, big.Select(v => v + 0.5).ToArray()));
        Assert.Contains("asymptotic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Degenerate_inputs_give_clear_results()
    {
        var allTied = MannWhitney.Test([2, 2, 2], [2, 2]);
        Assert.Equal(1, allTied.P);
        Assert.Equal(0, allTied.Z);
        Assert.NotNull(allTied.Note);
        var nan = MannWhitney.Test([1, double.NaN], [2, 3]);
        Assert.True(double.IsNaN(nan.P));
        Assert.Contains("NaN", nan.Note, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MannWhitney.Test([], [1.0]));

        var constant = Correlation.Pearson([1, 1, 1, 1], [1, 2, 3, 4]);
        Assert.True(double.IsNaN(constant.R) && double.IsNaN(constant.P));
        Assert.Contains("constant", constant.Note, StringComparison.Ordinal);
        var sc = Correlation.Spearman([1, 2, 3, 4], [5, 5, 5, 5]);
        Assert.True(double.IsNaN(sc.R));
        Assert.Contains("y is constant", sc.Note, StringComparison.Ordinal);
        Assert.True(double.IsNaN(Correlation.Spearman([1, double.NaN, 3], [1, 2, 3]).R));
        Assert.True(double.IsNaN(Correlation.Pearson([1.0], [2.0]).R));
        var two = Correlation.Pearson([1, 2], [5, 3]);
        Assert.Equal(-1, two.R);
        Assert.Equal(1, two.P); // SciPy: n = 2 gives p = 1
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1, 2, 3], [1, 2]));
    }

    [Fact]
    public void Analytic_uniform_comparison_is_the_limit_of_a_large_reference_sample()
    {
        // Trained-like sample: U(-b, b) shifted; against 200,000 draws the two-sample rank-biserial converges to the analytic one.
        var rng = new MersenneTwister(7);
        const double b = 0.05;
        var x = Enumerable.Range(0, 300).Select(_ => -b + 2 * b * rng.NextDouble() + 0.01 + 0.02 * rng.NextDouble()).ToArray();
        var reference = Enumerable.Range(0, 200_000).Select(_ => -b + 2 * b * rng.NextDouble()).ToArray();
        var analytic = MannWhitney.AgainstUniform(x, -b, b);
        var sampled = MannWhitney.Test(x, reference);
        Assert.Equal(sampled.RankBiserial, analytic.RankBiserial, 2);
        Assert.True(analytic.Z > 0 && sampled.Z > 0);
        // Under the null hypothesis the analytic p is uniform-ish, not tiny.
        var nullSample = Enumerable.Range(0, 500).Select(_ => -b + 2 * b * rng.NextDouble()).ToArray();
        Assert.True(MannWhitney.AgainstUniform(nullSample, -b, b).P > 0.001);
    }
}
