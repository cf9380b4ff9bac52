namespace OnnxAblation.Importance;

/// <summary>
/// Result of a two-sided Mann-Whitney U test of sample x against sample y (or against a reference distribution).
/// </summary>
/// <param name="U">U of x: the number of pairs (xᵢ, yⱼ) with xᵢ &gt; yⱼ, ties counting one half (SciPy's statistic).</param>
/// <param name="Z">Standardised statistic, signed like U − n₁n₂/2 (positive: x tends to be larger); for the asymptotic
/// test it is the continuity-corrected, tie-corrected z whose magnitude gives <paramref name="P"/>.</param>
/// <param name="P">Two-sided p-value, in [0, 1].</param>
/// <param name="RankBiserial">2U/(n₁n₂) − 1, in [−1, 1]: +1 when every x exceeds every y.</param>
/// <param name="N1">Size of x.</param>
/// <param name="N2">Size of y (for a reference distribution: the size U is scaled to).</param>
/// <param name="Method">"asymptotic", "exact" or "uniform-analytic".</param>
/// <param name="Note">Why the values are NaN, or null.</param>
public sealed record MannWhitneyResult(double U, double Z, double P, double RankBiserial, int N1, int N2, string Method, string? Note = null);
