using System.Globalization;

namespace OnnxAblation.Ablation.Store;

/// <summary>Whether two recovery points of one run and epoch hold the same result (bit for bit, NaN = NaN; seconds not compared).</summary>
internal static class RecoveryComparison
{
    /// <summary>A description of the first difference, or null if the results are equal.</summary>
    public static string? FirstDifference(RecoveryPoint a, RecoveryPoint b)
    {
        if (a.Damage != b.Damage) return $"damage '{a.Damage}' vs '{b.Damage}'";
        if (!Same(a.TrainLoss, b.TrainLoss)) return F($"train loss {a.TrainLoss:R} vs {b.TrainLoss:R}");
        if (!Same(a.Accuracy, b.Accuracy)) return F($"accuracy {a.Accuracy:R} vs {b.Accuracy:R}");
        if (!Same(a.TestLoss, b.TestLoss)) return F($"test loss {a.TestLoss:R} vs {b.TestLoss:R}");
        if (a.ClassAccuracy.Length != b.ClassAccuracy.Length) return F($"{a.ClassAccuracy.Length} vs {b.ClassAccuracy.Length} class accuracies");
        for (int c = 0; c < a.ClassAccuracy.Length; c++)
            if (!Same(a.ClassAccuracy[c], b.ClassAccuracy[c]))
                return F($"class {c} accuracy {a.ClassAccuracy[c]:R} vs {b.ClassAccuracy[c]:R}");
        return null;
    }

    private static bool Same(double a, double b) => a.Equals(b); // NaN equals NaN

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
