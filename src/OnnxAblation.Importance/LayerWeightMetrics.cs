namespace OnnxAblation.Importance;

/// <summary>Weight metrics of every unit of one layer.</summary>
/// <param name="Layer">Layer name (as in <c>ModelUnits</c>).</param>
/// <param name="WeightName">The layer's weight initializer.</param>
/// <param name="Reference">What the trained incoming weights were tested against: "init-model", or
/// "pytorch-default-uniform(b=…,analytic)" / "pytorch-default-uniform(b=…,sampled,seed=…)" with b = 1/√fan_in.</param>
/// <param name="FanIn">fan_in as PyTorch computes it for this weight tensor (used for b).</param>
/// <param name="Units">One entry per unit, in unit order.</param>
public sealed record LayerWeightMetrics(string Layer, string WeightName, string Reference, int FanIn, IReadOnlyList<UnitWeightMetrics> Units)
{
    /// <summary>The metrics as candidates for <see cref="Predictiveness"/> and <see cref="CumulativeOrder"/>, each with its direction.</summary>
    public IReadOnlyList<MetricValues> Metrics() =>
    [
        M("in_l1", u => u.Incoming.L1, MetricDirection.HigherIsImportant),
        M("in_l2", u => u.Incoming.L2, MetricDirection.HigherIsImportant),
        M("in_std", u => u.Incoming.Std, MetricDirection.HigherIsImportant),
        M("in_max_abs", u => u.Incoming.MaxAbs, MetricDirection.HigherIsImportant),
        M("in_near_zero", u => u.Incoming.NearZeroFraction, MetricDirection.LowerIsImportant),
        M("out_l1", u => u.Outgoing.L1, MetricDirection.HigherIsImportant),
        M("out_l2", u => u.Outgoing.L2, MetricDirection.HigherIsImportant),
        M("out_std", u => u.Outgoing.Std, MetricDirection.HigherIsImportant),
        M("out_max_abs", u => u.Outgoing.MaxAbs, MetricDirection.HigherIsImportant),
        M("out_near_zero", u => u.Outgoing.NearZeroFraction, MetricDirection.LowerIsImportant),
        M("mwu_p", u => u.Change.P, MetricDirection.LowerIsImportant),
        M("mwu_abs_r", u => Math.Abs(u.Change.RankBiserial), MetricDirection.HigherIsImportant),
    ];

    private MetricValues M(string name, Func<UnitWeightMetrics, double> f, MetricDirection d) => new(name, Units.Select(f).ToArray(), d);
}
