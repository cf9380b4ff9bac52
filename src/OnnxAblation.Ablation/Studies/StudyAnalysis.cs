using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Studies;

/// <summary>Reads stored results against the baseline: single-unit impact, pair redundancy, cumulative curves.</summary>
public sealed class StudyAnalysis
{
    private readonly Dictionary<string, AblationRecord> _byKey;
    private readonly int _samples;

    public StudyAnalysis(IReadOnlyList<AblationRecord> records, int samples)
    {
        ArgumentNullException.ThrowIfNull(records);
        _byKey = records.ToDictionary(r => r.Key, StringComparer.Ordinal);
        _samples = samples;
        Baseline = _byKey.GetValueOrDefault(AblationKey.Baseline)
                   ?? throw new AblationException("the store has no baseline result");
    }

    public AblationRecord Baseline { get; }

    public AblationRecord? Find(string key) => _byKey.GetValueOrDefault(key);

    public UnitImpact Impact(AblationRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var delta = r.ClassAccuracy.Select((a, c) => a - Baseline.ClassAccuracy[c]).ToArray();
        int worst = 0, best = 0;
        for (int c = 1; c < delta.Length; c++)
        {
            if (!(delta[c] >= delta[worst]) && !double.IsNaN(delta[c])) worst = c;
            if (delta[c] > delta[best]) best = c;
        }
        var (toWrong, toRight) = Flips(r);
        return new UnitImpact(
            string.Join(";", r.Units.Select(u => u.Layer)),
            r.Units.SelectMany(u => u.Units).ToArray(),
            r.Accuracy, r.Accuracy - Baseline.Accuracy, delta, worst, delta[worst], best, delta[best], toWrong, toRight);
    }

    /// <summary>(correct → wrong, wrong → correct) sample counts against the baseline.</summary>
    public (int ToWrong, int ToRight) Flips(AblationRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        int toWrong = 0, toRight = 0;
        for (int i = 0; i < _samples; i++)
        {
            bool b = Baseline.IsCorrect(i), a = r.IsCorrect(i);
            if (b && !a) toWrong++;
            else if (!b && a) toRight++;
        }
        return (toWrong, toRight);
    }

    /// <summary>Redundancy split of a pair, given the keys of the two singles and of the pair.</summary>
    public PairRedundancy? Pair(string layer, int a, int b, string keyA, string keyB, string keyPair)
    {
        if (Find(keyA) is not { } ra || Find(keyB) is not { } rb || Find(keyPair) is not { } rp) return null;
        int lostA = 0, lostB = 0, lostPair = 0, explained = 0, jointOnly = 0;
        for (int i = 0; i < _samples; i++)
        {
            if (!Baseline.IsCorrect(i)) continue;
            bool la = !ra.IsCorrect(i), lb = !rb.IsCorrect(i), lp = !rp.IsCorrect(i);
            if (la) lostA++;
            if (lb) lostB++;
            if (!lp) continue;
            lostPair++;
            if (la || lb) explained++;
            else jointOnly++;
        }
        double pts(int n) => 100.0 * n / _samples;
        return new PairRedundancy(layer, a, b, rp.Accuracy, 100 * (Baseline.Accuracy - rp.Accuracy), pts(lostA), pts(lostB), pts(explained), pts(jointOnly));
    }

    /// <summary>Mean ± sd accuracy over several orders at each prefix length (missing points are left out).</summary>
    public IReadOnlyList<CurvePoint> Curve(IReadOnlyList<IReadOnlyList<string>> keysPerOrder, int unitCount)
    {
        ArgumentNullException.ThrowIfNull(keysPerOrder);
        var points = new List<CurvePoint> { new(0, 0, Baseline.Accuracy, 0, keysPerOrder.Count) };
        for (int n = 1; n <= unitCount; n++)
        {
            var accs = keysPerOrder.Where(k => k.Count >= n).Select(k => Find(k[n - 1])?.Accuracy).OfType<double>().ToArray();
            if (accs.Length == 0) continue;
            double mean = accs.Average();
            double sd = accs.Length > 1 ? Math.Sqrt(accs.Sum(x => (x - mean) * (x - mean)) / (accs.Length - 1)) : 0;
            points.Add(new CurvePoint(n, (double)n / unitCount, mean, sd, accs.Length));
        }
        return points;
    }

    /// <summary>Normalised area under accuracy vs fraction ablated (trapezoid); higher = more robust order.</summary>
    public static double Area(IReadOnlyList<CurvePoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        double area = 0;
        for (int i = 1; i < curve.Count; i++)
            area += (curve[i].Fraction - curve[i - 1].Fraction) * (curve[i].Mean + curve[i - 1].Mean) / 2;
        return area;
    }
}
