namespace OnnxAblation.Report;

/// <summary>The cumulative curves of one layer: the random band (null without random orders), every ordered curve, and the orders the store does not record.</summary>
/// <param name="Unknown">Cumulative studies whose unit order the store does not record (made by correlate before orders were recorded): not drawn.</param>
internal sealed record CumulativeLayer(LayerResults Layer, OrderedCurve? Random, IReadOnlyList<OrderedCurve> Orders, IReadOnlyList<string> Unknown);
