namespace OnnxAblation.Importance;

/// <summary>One metric's value for every unit of a layer (index = unit), with the direction that means important.</summary>
public sealed record MetricValues(string Name, IReadOnlyList<double> Values, MetricDirection Direction);
