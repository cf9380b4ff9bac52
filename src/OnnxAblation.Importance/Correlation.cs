using MathNet.Numerics;

namespace OnnxAblation.Importance;

/// <summary>
/// Pearson and Spearman correlation with two-sided p-values, as SciPy's <c>pearsonr</c> and <c>spearmanr</c>.
/// Undefined cases (constant input, NaN in input, fewer than two pairs) give NaN with a note instead of throwing.
/// </summary>
public static class Correlation
{
    /// <summary>Pearson's r; p from the t-distribution with n − 2 degrees of freedom (SciPy: n = 2 gives p = 1).</summary>
    public static CorrelationResult Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (Undefined(x, y) is { } bad) return bad;
        int n = x.Count;
        if (n == 2) return new CorrelationResult(Math.Sign(x[1] - x[0]) * Math.Sign(y[1] - y[0]), 1, 2);
        double r = Coefficient(x, y);
        // SciPy: 2·sf(|r|) of Beta(n/2 − 1, n/2 − 1) on [−1, 1] = 2·I_{(1−|r|)/2}(n/2 − 1, n/2 − 1).
        double ab = n / 2.0 - 1;
        double p = Math.Min(1, 2 * SpecialFunctions.BetaRegularized(ab, ab, (1 - Math.Abs(r)) / 2));
        return new CorrelationResult(r, p, n);
    }

    /// <summary>Spearman's ρ (Pearson's r of average ranks); p from the t-distribution with n − 2 degrees of freedom
    /// (SciPy: n = 2 gives p = NaN).</summary>
    public static CorrelationResult Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (Undefined(x, y) is { } bad) return bad;
        int n = x.Count;
        double r = Coefficient(Ranking.Average(x), Ranking.Average(y));
        if (n == 2) return new CorrelationResult(r, double.NaN, 2, "2 pairs: no degrees of freedom for a p-value");
        // 2·P(T > |t|), t = r·√(df/(1 − r²)) ⇒ I_{1−r²}(df/2, 1/2).
        double df = n - 2;
        double p = Math.Min(1, SpecialFunctions.BetaRegularized(df / 2, 0.5, (1 - r) * (1 + r)));
        return new CorrelationResult(r, p, n);
    }

    private static CorrelationResult? Undefined(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"correlation needs paired values: x has {x.Count}, y has {y.Count}");
        int n = x.Count;
        if (n < 2) return new CorrelationResult(double.NaN, double.NaN, n, $"{n} pair(s): correlation needs at least 2");
        for (int i = 0; i < n; i++)
            if (double.IsNaN(x[i]) || double.IsNaN(y[i]))
                return new CorrelationResult(double.NaN, double.NaN, n, "input contains NaN");
        if (Constant(x)) return new CorrelationResult(double.NaN, double.NaN, n, "x is constant: correlation is not defined");
        if (Constant(y)) return new CorrelationResult(double.NaN, double.NaN, n, "y is constant: correlation is not defined");
        return null;
    }

    private static bool Constant(IReadOnlyList<double> v)
    {
        for (int i = 1; i < v.Count; i++) if (v[i] != v[0]) return false;
        return true;
    }

    private static double Coefficient(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        double r = sxy / (Math.Sqrt(sxx) * Math.Sqrt(syy));
        return double.IsNaN(r) ? double.NaN : Math.Clamp(r, -1, 1);
    }
}
