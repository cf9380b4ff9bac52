using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>A unit order and the area under its cumulative-ablation curve.</summary>
/// <param name="Name">Metric name, or "impact".</param>
/// <param name="Direction">Which end of the metric was taken first (null for the impact order).</param>
/// <param name="Order">Units, first ablated first.</param>
/// <param name="Area">Normalised area under accuracy vs fraction ablated.</param>
public sealed record OrderArea(string Name, MetricDirection? Direction, IReadOnlyList<int> Order, double Area);
