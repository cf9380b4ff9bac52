namespace OnnxAblation.Importance;

/// <summary>Weight metrics of one unit.</summary>
/// <param name="Unit">Unit index in its layer.</param>
/// <param name="Incoming">The unit's incoming weights (no bias, no BatchNorm parameters).</param>
/// <param name="Outgoing">The consumer weights that read the unit, or all NaN (see <paramref name="OutgoingNote"/>).</param>
/// <param name="OutgoingNote">Why <paramref name="Outgoing"/> is NaN, or a caveat about it; null when plain.</param>
/// <param name="Change">Mann-Whitney test of the trained incoming weights against the reference
/// (see <see cref="LayerWeightMetrics.Reference"/>): x = trained, so U &gt; n₁n₂/2 means trained weights tend to be larger.</param>
public sealed record UnitWeightMetrics(int Unit, WeightStats Incoming, WeightStats Outgoing, string? OutgoingNote, MannWhitneyResult Change);
