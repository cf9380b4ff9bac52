namespace OnnxAblation.Importance;

/// <summary>Activation statistics of every unit of one layer.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Tensor">The tensor that was read.</param>
/// <param name="Source">"relu-output" (the output of the one Relu that consumes the layer's unit tensor) or
/// "unit-tensor" (the layer's unit tensor itself: no single Relu follows it).</param>
/// <param name="Samples">Number of samples run.</param>
/// <param name="ClassNames">Class names, in class index order (index of <see cref="UnitActivationMetrics.ClassMeans"/>).</param>
/// <param name="ClassCounts">Samples of each class.</param>
/// <param name="Units">One entry per unit, in unit order.</param>
public sealed record LayerActivationMetrics(string Layer, string Tensor, string Source, int Samples,
    IReadOnlyList<string> ClassNames, IReadOnlyList<int> ClassCounts, IReadOnlyList<UnitActivationMetrics> Units)
{
    /// <summary>The metrics as candidates for <see cref="Predictiveness"/> and <see cref="CumulativeOrder"/>, each with its direction.</summary>
    public IReadOnlyList<MetricValues> Metrics() =>
    [
        new("act_mean", Units.Select(u => u.Mean).ToArray(), MetricDirection.HigherIsImportant),
        new("apoz", Units.Select(u => u.ZeroFraction).ToArray(), MetricDirection.LowerIsImportant),
        new("selectivity", Units.Select(u => u.Selectivity).ToArray(), MetricDirection.HigherIsImportant),
    ];
}
