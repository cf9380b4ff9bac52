using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>
/// One-to-one matching of the units of two layers by the correlation of their per-class drop vectors. Greedy, not the
/// optimal assignment (Hungarian algorithm): repeatedly pair the two unmatched units with the highest Pearson r.
/// Chance level: the same greedy match after permuting the classes of the second layer's vectors (one permutation for
/// all its units), which keeps each layer's structure and breaks only the class correspondence.
/// </summary>
public static class UnitMatching
{
    /// <summary>A matched pair: unit of A, unit of B, Pearson r of their per-class drop vectors (NaN when undefined).</summary>
    public sealed record Pair(int A, int B, double R);

    /// <summary>Pearson r between every unit vector of <paramref name="a"/> and of <paramref name="b"/> (NaN when one is constant).</summary>
    public static double[,] Correlations(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var r = new double[a.Count, b.Count];
        for (int i = 0; i < a.Count; i++)
            for (int j = 0; j < b.Count; j++)
                r[i, j] = Correlation.Pearson(a[i], b[j]).R;
        return r;
    }

    /// <summary>Greedy one-to-one match, highest r first (NaN pairs last, by index); min(|A|, |B|) pairs.</summary>
    public static IReadOnlyList<Pair> Greedy(double[,] r)
    {
        ArgumentNullException.ThrowIfNull(r);
        int na = r.GetLength(0), nb = r.GetLength(1);
        var all = new List<Pair>(na * nb);
        for (int i = 0; i < na; i++)
            for (int j = 0; j < nb; j++)
                all.Add(new Pair(i, j, r[i, j]));
        all.Sort((x, y) =>
        {
            bool xn = double.IsNaN(x.R), yn = double.IsNaN(y.R);
            if (xn != yn) return xn ? 1 : -1;
            int c = xn ? 0 : y.R.CompareTo(x.R);
            return c != 0 ? c : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B);
        });
        var usedA = new bool[na];
        var usedB = new bool[nb];
        var pairs = new List<Pair>();
        foreach (var p in all)
        {
            if (usedA[p.A] || usedB[p.B]) continue;
            usedA[p.A] = usedB[p.B] = true;
            pairs.Add(p);
        }
        return pairs;
    }

    /// <summary>Mean r over the pairs where it is defined (NaN if none).</summary>
    public static double MeanR(IReadOnlyList<Pair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var defined = pairs.Where(p => !double.IsNaN(p.R)).Select(p => p.R).ToList();
        return defined.Count == 0 ? double.NaN : defined.Average();
    }

    /// <summary>
    /// Mean and 95th percentile of the greedy mean r when the classes of <paramref name="b"/> are permuted, and the
    /// permutation p-value of <paramref name="observed"/>: (1 + permutations reaching it) / (1 + permutations).
    /// </summary>
    public static (double Mean, double P95, double P) Chance(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b, double observed, int permutations = 200, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (b.Count == 0 || permutations < 1) return (double.NaN, double.NaN, double.NaN);
        int classes = b[0].Length;
        var rng = new Random(seed);
        var means = new List<double>(permutations);
        for (int k = 0; k < permutations; k++)
        {
            var perm = Enumerable.Range(0, classes).ToArray();
            for (int i = classes - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
            var shuffled = b.Select(v => perm.Select(c => v[c]).ToArray()).ToList();
            double m = MeanR(Greedy(Correlations(a, shuffled)));
            if (!double.IsNaN(m)) means.Add(m);
        }
        if (means.Count == 0) return (double.NaN, double.NaN, double.NaN);
        means.Sort();
        double p = double.IsNaN(observed) ? double.NaN : (1.0 + means.Count(m => m >= observed)) / (1.0 + means.Count);
        return (means.Average(), means[Math.Min(means.Count - 1, (int)Math.Ceiling(0.95 * means.Count) - 1)], p);
    }
}
