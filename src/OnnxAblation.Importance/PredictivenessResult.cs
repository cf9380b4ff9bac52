namespace OnnxAblation.Importance;

/// <summary>How well one metric predicts one kind of damage over the units of a layer.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Direction">Which end of the metric means important (used for top-k; correlations are of the raw values,
/// so a useful <see cref="MetricDirection.LowerIsImportant"/> metric correlates negatively).</param>
/// <param name="Target">"accuracy-drop" or "max-class-drop".</param>
/// <param name="Pearson">Pearson r and p over the units where both values are finite.</param>
/// <param name="Spearman">Spearman ρ and p over the same units.</param>
/// <param name="TopK">Overlaps for k = 1, 3, 5, 10 (those not above the number of units used).</param>
public sealed record PredictivenessResult(string Layer, string Metric, MetricDirection Direction, string Target,
    CorrelationResult Pearson, CorrelationResult Spearman, IReadOnlyList<TopKOverlap> TopK);
