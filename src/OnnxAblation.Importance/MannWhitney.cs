using MathNet.Numerics;

namespace OnnxAblation.Importance;

/// <summary>
/// Two-sided Mann-Whitney U tests (Wilcoxon rank-sum), the statistic Meyes et al. (2019) use to compare a unit's
/// trained weights with its initial ones.
/// </summary>
public static class MannWhitney
{
    /// <summary>Largest n₁·n₂ for which <see cref="Exact"/> computes the null distribution (cost grows as (n₁n₂)²).</summary>
    public const int ExactLimit = 20_000;

    /// <summary>
    /// Asymptotic test: normal approximation with tie correction and continuity correction, as
    /// <c>scipy.stats.mannwhitneyu(x, y, alternative='two-sided', use_continuity=True, method='asymptotic')</c>.
    /// NaN anywhere in the input gives a NaN result with a note (SciPy's 'propagate').
    /// </summary>
    public static MannWhitneyResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n1 = x.Count, n2 = y.Count;
        if (HasNaN(x) || HasNaN(y)) return NaN(n1, n2, "asymptotic", "x or y contains NaN");
        double u1 = RankU(x, y, out double tieTerm);
        double n = n1 + n2;
        double mu = n1 * (double)n2 / 2;
        double s = Math.Sqrt(n1 * (double)n2 / 12 * (n + 1 - tieTerm / (n * (n - 1))));
        double zAbs = s > 0 ? Math.Max(0, (Math.Abs(u1 - mu) - 0.5) / s) : 0;
        double p = s > 0 ? Math.Min(1, 2 * NormalSf((Math.Abs(u1 - mu) - 0.5) / s)) : 1;
        return new MannWhitneyResult(u1, Math.Sign(u1 - mu) * zAbs, p, RankBiserial(u1, n1, n2), n1, n2, "asymptotic",
            s > 0 ? null : "all values are tied: no evidence of a difference (p = 1)");
    }

    /// <summary>
    /// Exact test for small samples without ties, as <c>scipy.stats.mannwhitneyu(..., method='exact')</c>:
    /// p = 2·P(U ≥ max(U₁, U₂)) under the null distribution of U, capped at 1.
    /// <see cref="MannWhitneyResult.Z"/> is the asymptotic z, for reference.
    /// </summary>
    /// <exception cref="ArgumentException">Ties in the pooled sample, or n₁·n₂ above <see cref="ExactLimit"/>.</exception>
    public static MannWhitneyResult Exact(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n1 = x.Count, n2 = y.Count;
        if (HasNaN(x) || HasNaN(y)) return NaN(n1, n2, "exact", "x or y contains NaN");
        if ((long)n1 * n2 > ExactLimit)
            throw new ArgumentException($"exact Mann-Whitney test: n1·n2 = {(long)n1 * n2} exceeds {ExactLimit}; use the asymptotic Test for samples this large");
        double u1 = RankU(x, y, out double tieTerm);
        if (tieTerm > 0)
            throw new ArgumentException("exact Mann-Whitney test: the pooled sample has tied values; the exact null distribution assumes no ties (use the tie-corrected asymptotic Test)");
        int u = (int)Math.Round(Math.Max(u1, (double)n1 * n2 - u1));
        double[] pmf = NullDistribution(n1, n2);
        // P(U ≥ u) = P(U ≤ n1·n2 − u) by symmetry; sum the shorter tail from its end for accuracy.
        double tail = 0;
        for (int v = n1 * n2 - u; v >= 0; v--) tail += pmf[v];
        var asymptotic = Test(x, y);
        return new MannWhitneyResult(u1, asymptotic.Z, Math.Min(1, 2 * tail), RankBiserial(u1, n1, n2), n1, n2, "exact");
    }

    /// <summary>
    /// Compares a sample with the continuous uniform distribution U(<paramref name="lower"/>, <paramref name="upper"/>)
    /// analytically, without drawing a reference sample: the limit of the two-sample test as the reference sample grows.
    /// With F the uniform CDF, Σ F(xᵢ) is what U/n₂ tends to; under the null hypothesis (x drawn from the uniform)
    /// the F(xᵢ) are i.i.d. U(0,1), so Σ F(xᵢ) has mean n/2 and variance n/12 (Irwin–Hall), and
    /// z = (Σ F(xᵢ) − n/2)/√(n/12), p = 2·Φ(−|z|) (normal approximation of Irwin–Hall, no continuity correction:
    /// the statistic is continuous). The rank-biserial 2·mean F(xᵢ) − 1 = P(X &gt; Y) − P(X &lt; Y) is exact.
    /// <see cref="MannWhitneyResult.U"/> is n·Σ F(xᵢ): the expected U against n reference draws (N2 = n).
    /// </summary>
    public static MannWhitneyResult AgainstUniform(IReadOnlyList<double> x, double lower, double upper)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Count == 0) throw new ArgumentException("Mann-Whitney test against a uniform distribution: the sample is empty", nameof(x));
        if (!(upper > lower) || double.IsInfinity(lower) || double.IsInfinity(upper))
            throw new ArgumentException($"Mann-Whitney test against a uniform distribution: bounds [{lower}, {upper}] are not a finite interval with lower < upper");
        int n = x.Count;
        if (HasNaN(x)) return NaN(n, n, "uniform-analytic", "x contains NaN");
        double sum = 0;
        foreach (double v in x) sum += Math.Clamp((v - lower) / (upper - lower), 0, 1);
        double z = (sum - n / 2.0) / Math.Sqrt(n / 12.0);
        double p = Math.Min(1, 2 * NormalSf(Math.Abs(z)));
        return new MannWhitneyResult(n * sum, z, p, 2 * sum / n - 1, n, n, "uniform-analytic");
    }

    /// <summary>Probability of each U = 0..n1·n2 under the null hypothesis (no ties).</summary>
    internal static double[] NullDistribution(int n1, int n2)
    {
        // pmf(m, k) from pmf(m−1, k) and pmf(m, k−1): the largest of the m+k values is an x (probability m/(m+k),
        // it beats all k y's) or a y (probability k/(m+k)). Only positive terms: no cancellation.
        var prev = new double[n2 + 1][];
        for (int k = 0; k <= n2; k++) prev[k] = [1.0];
        for (int m = 1; m <= n1; m++)
        {
            var cur = new double[n2 + 1][];
            cur[0] = [1.0];
            for (int k = 1; k <= n2; k++)
            {
                var d = new double[m * k + 1];
                double px = m / (double)(m + k), py = k / (double)(m + k);
                var a = prev[k];
                for (int v = 0; v < a.Length; v++) d[v + k] += px * a[v];
                var b = cur[k - 1];
                for (int v = 0; v < b.Length; v++) d[v] += py * b[v];
                cur[k] = d;
            }
            prev = cur;
        }
        return prev[n2];
    }

    internal static double NormalSf(double z) => 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2));

    private static double RankU(IReadOnlyList<double> x, IReadOnlyList<double> y, out double tieTerm)
    {
        var pooled = new double[x.Count + y.Count];
        for (int i = 0; i < x.Count; i++) pooled[i] = x[i];
        for (int j = 0; j < y.Count; j++) pooled[x.Count + j] = y[j];
        var ranks = Ranking.Average(pooled, out tieTerm);
        double r1 = 0;
        for (int i = 0; i < x.Count; i++) r1 += ranks[i];
        return r1 - x.Count * (x.Count + 1.0) / 2;
    }

    private static double RankBiserial(double u, int n1, int n2) => 2 * u / (n1 * (double)n2) - 1;

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || y.Count == 0)
            throw new ArgumentException($"Mann-Whitney test needs two non-empty samples (x has {x.Count} values, y has {y.Count})");
    }

    private static bool HasNaN(IReadOnlyList<double> v)
    {
        for (int i = 0; i < v.Count; i++) if (double.IsNaN(v[i])) return true;
        return false;
    }

    private static MannWhitneyResult NaN(int n1, int n2, string method, string note) =>
        new(double.NaN, double.NaN, double.NaN, double.NaN, n1, n2, method, note);
}
