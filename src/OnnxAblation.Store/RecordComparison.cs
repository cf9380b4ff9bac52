using System.Globalization;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// Whether two records stored under one key hold the same result. Compared: units, mode, correctness bits,
/// non-finite count and accuracies exactly (they are ratios of counts); mean losses up to
/// <see cref="LossTolerance"/> (relative, absolute below 1) because float sums may be reordered by a different
/// thread count or CPU kernel on another machine. Not compared: study (the first asker is kept), seconds.
/// </summary>
internal static class RecordComparison
{
    public const double LossTolerance = 1e-6;

    /// <summary>A description of the first difference ("accuracy 0.91 vs 0.92"), or null if the results are equal.</summary>
    public static string? FirstDifference(AblationRecord a, AblationRecord b)
    {
        if (a.Mode != b.Mode) return $"mode '{a.Mode}' vs '{b.Mode}'";
        if (!UnitsEqual(a.Units, b.Units))
            return $"units [{string.Join(" ", a.Units)}] vs [{string.Join(" ", b.Units)}]";
        if (!a.Correct.AsSpan().SequenceEqual(b.Correct))
        {
            if (a.Correct.Length != b.Correct.Length) return $"correctness bits of {a.Correct.Length} vs {b.Correct.Length} bytes";
            int i = 0;
            while (a.Correct[i] == b.Correct[i]) i++;
            int bit = 0;
            while (((a.Correct[i] ^ b.Correct[i]) & (1 << bit)) == 0) bit++;
            return F($"correctness of sample {i * 8 + bit} ({(a.Correct[i] >> bit) & 1} vs {(b.Correct[i] >> bit) & 1})");
        }
        if (a.Samples != b.Samples) return $"samples {a.Samples?.ToString(CultureInfo.InvariantCulture) ?? "all"} vs {b.Samples?.ToString(CultureInfo.InvariantCulture) ?? "all"}";
        if (a.Interval is { } ia && b.Interval is { } ib ? !ia.Equals(ib) : a.Interval.HasValue != b.Interval.HasValue)
            return F($"interval {a.Interval:R} vs {b.Interval:R}");
        if (a.NonFinite != b.NonFinite) return F($"non-finite outputs {a.NonFinite} vs {b.NonFinite}");
        if (!a.Accuracy.Equals(b.Accuracy)) return F($"accuracy {a.Accuracy:R} vs {b.Accuracy:R}");
        if (ArrayDifference(a.ClassAccuracy, b.ClassAccuracy, 0) is { } ca) return "class accuracy " + ca;
        if (!Close(a.MeanLoss, b.MeanLoss, LossTolerance)) return F($"mean loss {a.MeanLoss:R} vs {b.MeanLoss:R}");
        if (ArrayDifference(a.ClassMeanLoss, b.ClassMeanLoss, LossTolerance) is { } cl) return "class mean loss " + cl;
        return null;
    }

    private static bool UnitsEqual(IReadOnlyList<UnitSet> a, IReadOnlyList<UnitSet> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].Layer != b[i].Layer || !a[i].Units.SequenceEqual(b[i].Units)) return false;
        return true;
    }

    private static string? ArrayDifference(double[] a, double[] b, double tolerance)
    {
        if (a.Length != b.Length) return F($"has {a.Length} vs {b.Length} classes");
        for (int i = 0; i < a.Length; i++)
            if (!Close(a[i], b[i], tolerance)) return F($"of class {i}: {a[i]:R} vs {b[i]:R}");
        return null;
    }

    private static bool Close(double a, double b, double tolerance)
    {
        if (a.Equals(b)) return true; // also NaN = NaN and ∞ = ∞
        if (!double.IsFinite(a) || !double.IsFinite(b)) return false;
        return Math.Abs(a - b) <= tolerance * Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
