using System.Globalization;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// Adaptive sample sizes (<c>--adaptive EPS</c>): each ablation is evaluated on growing slices of one seeded
/// shuffled order of the data (<see cref="MinSamples"/>, doubling, then all samples) and stops at the first slice on
/// which the confidence interval of its accuracy change — paired with the intact model on the same samples — is at
/// most ±<see cref="EpsPoints"/> percentage points, or when the data are exhausted (then the result is the exact one).
/// Part of a study's identity: stored in the store's metadata, so an adaptive study never resumes into an exact one.
/// </summary>
public sealed record AdaptiveSampling
{
    /// <summary>The z of the two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The target half-width of the interval, in percentage points of accuracy (1 = ±1 point).</summary>
    public required double EpsPoints { get; init; }

    /// <summary>Samples in the first slice (and the smallest a result is ever computed from).</summary>
    public int MinSamples { get; init; } = 256;

    /// <summary>Seed of the shuffled sample order (every ablation sees the same samples, in the same order).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The target half-width as a fraction of accuracy.</summary>
    public double Eps => EpsPoints / 100;

    /// <summary>
    /// Parses the command line's EPS (percentage points, &gt; 0, finite); anything else is an
    /// <see cref="ArgumentException"/> with one line saying what to give.
    /// </summary>
    public static AdaptiveSampling Parse(string text, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double eps) || !double.IsFinite(eps) || eps <= 0 || eps > 100)
            throw new ArgumentException($"--adaptive '{text}': give the interval's half-width in accuracy points, a number > 0 and ≤ 100 (e.g. --adaptive 1 for ±1 point)");
        return new AdaptiveSampling { EpsPoints = eps, Seed = seed };
    }

    /// <summary>Checks the settings (the library's callers may build one directly).</summary>
    public void Validate()
    {
        if (!double.IsFinite(EpsPoints) || EpsPoints <= 0 || EpsPoints > 100)
            throw new ArgumentException(F($"adaptive sampling: half-width {EpsPoints} points; give a number > 0 and ≤ 100"));
        if (MinSamples < 2) throw new ArgumentException(F($"adaptive sampling: first slice of {MinSamples} samples; give at least 2"));
    }

    /// <summary>What identifies the study's sampling in the store's metadata (entry <c>adaptive</c>).</summary>
    public string Identity => F($"eps={EpsPoints:R} points; 95% interval (Agresti-Min paired Wald, finite-population corrected); slices from {MinSamples} doubling; shuffled order seed {Seed}");

    /// <summary>The slice sizes for <paramref name="total"/> samples: <see cref="MinSamples"/>, doubling, the last = all.</summary>
    public IReadOnlyList<int> Stages(int total)
    {
        var stages = new List<int>();
        for (long n = MinSamples; n < total; n *= 2) stages.Add((int)n);
        stages.Add(total);
        return stages;
    }

    /// <summary>
    /// Half-width of the 95% interval of the mean paired difference (ablated − intact correctness) from the flips on
    /// <paramref name="n"/> of <paramref name="total"/> samples: <paramref name="toWrong"/> (intact right → ablated wrong)
    /// and <paramref name="toRight"/> (the reverse). Agresti and Min (2005): half a pseudo-count in each of the four
    /// cells (b + ½, c + ½, n + 2), so that no flips still give a positive width; the Wald interval
    /// z·sqrt((b′+c′) − (c′−b′)²/n′)/n′, times the finite-population correction sqrt((N−n)/(N−1)) because the
    /// quantity estimated is the value on all N samples (0 when n = N).
    /// </summary>
    public static double HalfWidth(int toWrong, int toRight, int n, int total, double z = Z95)
    {
        if (n >= total) return 0;
        double b = toWrong + 0.5, c = toRight + 0.5, m = n + 2.0;
        double variance = Math.Max(0, (b + c) - (c - b) * (c - b) / m) / (m * m);
        double fpc = total > 1 ? Math.Sqrt((double)(total - n) / (total - 1)) : 0;
        return z * Math.Sqrt(variance) * fpc;
    }

    /// <summary>A seeded permutation of 0..<paramref name="total"/>−1 (Fisher-Yates with <see cref="Random"/>(<see cref="Seed"/>), written out so it stays the same across .NET versions).</summary>
    public int[] Order(int total)
    {
        var order = Enumerable.Range(0, total).ToArray();
        var random = new Random(Seed);
        for (int i = total - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
