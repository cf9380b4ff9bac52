namespace OnnxAblation.Importance;

/// <summary>Does a per-unit metric predict the damage that ablating the unit alone does?</summary>
public static class Predictiveness
{
    /// <summary>The k of the top-k overlaps (those not above the number of units are reported).</summary>
    public static IReadOnlyList<int> Ks { get; } = [1, 3, 5, 10];

    /// <summary>
    /// For each metric × {accuracy drop, largest class drop}: Pearson and Spearman (with p) and top-k overlaps, over the
    /// units where both the metric and the drop are finite (NaN = not measured, left out).
    /// </summary>
    public static IReadOnlyList<PredictivenessResult> Compute(IEnumerable<MetricValues> metrics, UnitDamage damage)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(damage);
        var results = new List<PredictivenessResult>();
        foreach (var m in metrics)
        {
            if (m.Values.Count != damage.AccuracyDrop.Count)
                throw new ArgumentException($"metric '{m.Name}' has {m.Values.Count} values, layer '{damage.Layer}' has damage for {damage.AccuracyDrop.Count} units");
            foreach (var (target, drop) in new[] { ("accuracy-drop", damage.AccuracyDrop), ("max-class-drop", damage.MaxClassDrop) })
            {
                var keep = Enumerable.Range(0, drop.Count).Where(i => double.IsFinite(m.Values[i]) && double.IsFinite(drop[i])).ToArray();
                var x = keep.Select(i => m.Values[i]).ToArray();
                var y = keep.Select(i => drop[i]).ToArray();
                var topK = Ks.Where(k => k <= keep.Length).Select(k => new TopKOverlap(k, Overlap(x, m.Direction, y, k))).ToList();
                results.Add(new PredictivenessResult(damage.Layer, m.Name, m.Direction, target,
                    Correlation.Pearson(x, y), Correlation.Spearman(x, y), topK));
            }
        }
        return results;
    }

    /// <summary>
    /// |top-k by metric ∩ top-k by drop| / k. Top by metric follows <paramref name="direction"/>; top by drop is the
    /// largest drops. Ties are broken by the lower unit index (so tied values make the overlap depend on unit order).
    /// </summary>
    public static double Overlap(IReadOnlyList<double> metric, MetricDirection direction, IReadOnlyList<double> drop, int k)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(drop);
        if (metric.Count != drop.Count)
            throw new ArgumentException($"top-k overlap needs one metric value per drop: {metric.Count} metric values, {drop.Count} drops");
        if (k < 1 || k > metric.Count)
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must be in 1..{metric.Count} (the number of units)");
        var byMetric = CumulativeOrder.By(metric, direction).Take(k).ToHashSet();
        var byDrop = CumulativeOrder.By(drop, MetricDirection.HigherIsImportant).Take(k);
        return byDrop.Count(byMetric.Contains) / (double)k;
    }
}
