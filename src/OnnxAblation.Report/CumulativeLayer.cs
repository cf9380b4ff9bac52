namespace OnnxAblation.Report;

/// <summary>The cumulative curves of one layer: the random band (null without random orders) and every ordered curve.</summary>
internal sealed record CumulativeLayer(LayerResults Layer, OrderedCurve? Random, IReadOnlyList<OrderedCurve> Orders);
