namespace OnnxAblation.Importance;

/// <summary>A correlation coefficient with its two-sided p-value.</summary>
/// <param name="R">Pearson's r or Spearman's ρ; NaN when it is not defined (see <paramref name="Note"/>).</param>
/// <param name="P">Two-sided p-value (t-distribution with n − 2 degrees of freedom, as SciPy); NaN when undefined.</param>
/// <param name="N">Number of pairs used.</param>
/// <param name="Note">Why the result is NaN (constant input, NaN in input, too few pairs), or null.</param>
public sealed record CorrelationResult(double R, double P, int N, string? Note = null);
