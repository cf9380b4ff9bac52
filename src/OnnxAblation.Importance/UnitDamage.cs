using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Importance;

/// <summary>Measured damage of ablating each unit of a layer alone (index = unit; NaN where not measured).</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="AccuracyDrop">The unit's impact: baseline accuracy − accuracy with the unit ablated, or the
/// <see cref="Ablation.Studies.ImpactMeasure"/> asked for (loss of agreement, KL, drift).</param>
/// <param name="MaxClassDrop">Largest per-class drop: max over classes of (baseline − ablated class accuracy).</param>
public sealed record UnitDamage(string Layer, IReadOnlyList<double> AccuracyDrop, IReadOnlyList<double> MaxClassDrop)
{
    /// <summary>
    /// Drops from stored single-unit ablations of <paramref name="layer"/> (records whose only unit set is one unit of
    /// that layer). Units without a record get NaN.
    /// </summary>
    /// <param name="mode">Only records of this mode (e.g. "zero-in"); null accepts any mode, but a unit found under two
    /// modes is an error.</param>
    /// <param name="measure">What counts as the impact (default: the accuracy drop).</param>
    public static UnitDamage FromRecords(AblationRecord baseline, IEnumerable<AblationRecord> records, string layer, int unitCount, string? mode = null,
        Ablation.Studies.ImpactMeasure measure = Ablation.Studies.ImpactMeasure.Accuracy)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfNegative(unitCount);
        var drop = Enumerable.Repeat(double.NaN, unitCount).ToArray();
        var classDrop = Enumerable.Repeat(double.NaN, unitCount).ToArray();
        var seen = new string?[unitCount];
        foreach (var r in records)
        {
            if (r.Units.Count != 1 || r.Units[0].Layer != layer || r.Units[0].Units.Count != 1) continue;
            if (mode is not null && r.Mode != mode) continue;
            int u = r.Units[0].Units[0];
            if ((uint)u >= (uint)unitCount)
                throw new ArgumentException($"record '{r.Key}' ablates unit {u} of layer '{layer}', which has {unitCount} units");
            if (seen[u] is { } other && other != r.Mode)
                throw new ArgumentException($"unit {u} of layer '{layer}' has single-unit records in modes '{other}' and '{r.Mode}'; say which mode to use");
            if (r.ClassAccuracy.Length != baseline.ClassAccuracy.Length)
                throw new ArgumentException($"record '{r.Key}' has {r.ClassAccuracy.Length} class accuracies, the baseline has {baseline.ClassAccuracy.Length}");
            seen[u] = r.Mode;
            drop[u] = Ablation.Studies.Impacts.Of(r, baseline, measure);
            double max = double.NaN;
            for (int c = 0; c < r.ClassAccuracy.Length; c++)
            {
                double d = baseline.ClassAccuracy[c] - r.ClassAccuracy[c];
                if (!double.IsNaN(d) && (double.IsNaN(max) || d > max)) max = d;
            }
            classDrop[u] = max;
        }
        return new UnitDamage(layer, drop, classDrop);
    }
}
