using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Studies;

/// <summary>The damage of one stored ablation by an <see cref="ImpactMeasure"/>: larger is more damage.</summary>
public static class Impacts
{
    /// <summary>Units by decreasing drop; ties by unit index (deterministic). The order a study's cumulative ablations follow.</summary>
    public static int[] Order(double[] drops)
    {
        ArgumentNullException.ThrowIfNull(drops);
        return Enumerable.Range(0, drops.Length).OrderByDescending(u => drops[u]).ThenBy(u => u).ToArray();
    }

    public static ImpactMeasure Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "accuracy" => ImpactMeasure.Accuracy,
            "agreement" => ImpactMeasure.Agreement,
            "kl" => ImpactMeasure.Kl,
            "drift" => ImpactMeasure.Drift,
            _ => throw new AblationException($"impact '{text}' is not one of accuracy, agreement, kl, drift"),
        };
    }

    public static string Name(ImpactMeasure measure) => measure.ToString().ToLowerInvariant();

    /// <summary>
    /// Damage of <paramref name="r"/> against <paramref name="baseline"/>; of class <paramref name="c"/> where given
    /// (accuracy and agreement have per-class values; KL and drift are per sample only). NaN where the record has no
    /// effect measurement (stores written before effects were measured).
    /// </summary>
    public static double Of(AblationRecord r, AblationRecord baseline, ImpactMeasure measure, int? c = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(baseline);
        return measure switch
        {
            ImpactMeasure.Accuracy => c is int k ? baseline.ClassAccuracy[k] - r.ClassAccuracy[k] : baseline.Accuracy - r.Accuracy,
            ImpactMeasure.Agreement => r.Effect is { } e ? 1 - (c is int k && k < e.ClassAgreement.Length ? e.ClassAgreement[k] : e.Agreement) : double.NaN,
            ImpactMeasure.Kl => r.Effect?.Kl ?? double.NaN,
            ImpactMeasure.Drift => r.Effect?.Drift ?? double.NaN,
            _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, null),
        };
    }
}
