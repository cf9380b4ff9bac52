namespace OnnxAblation.Importance;

/// <summary>One unit's row of an <see cref="ImportanceReport"/>: values aligned with <see cref="ImportanceReport.Columns"/> (NaN = missing).</summary>
public sealed record ImportanceRow(string Layer, int Unit, IReadOnlyList<double> Values);
