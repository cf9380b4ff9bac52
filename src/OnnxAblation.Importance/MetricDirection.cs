namespace OnnxAblation.Importance;

/// <summary>Which end of a metric marks the important units.</summary>
public enum MetricDirection
{
    /// <summary>Large values mean important (L1, L2, |rank-biserial|, selectivity...): rank by descending value.</summary>
    HigherIsImportant,

    /// <summary>Small values mean important (p-values, APoZ, fraction near zero): rank by ascending value.</summary>
    LowerIsImportant,
}
