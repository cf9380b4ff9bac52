using OnnxAblation.Ablation.Units;
using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>One layer of a <see cref="CorrelationAnalysis"/>: measured damage, metrics, how well they predict it, curves.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Damage">Single-unit zero-in damage from the store (NaN where not measured).</param>
/// <param name="Measured">Units with a stored single-unit result.</param>
/// <param name="Weights">Weight metrics, Mann-Whitney test included.</param>
/// <param name="Activations">Activation metrics, when data was available.</param>
/// <param name="Predictiveness">Every metric against both damage targets.</param>
/// <param name="Curves">Cumulative-ablation areas, when they were evaluated.</param>
public sealed record CorrelationLayer(
    Layer Layer,
    UnitDamage Damage,
    int Measured,
    LayerWeightMetrics Weights,
    LayerActivationMetrics? Activations,
    IReadOnlyList<PredictivenessResult> Predictiveness,
    CumulativeComparison? Curves)
{
    /// <summary>The paper's headline: Spearman between the Mann-Whitney p-value and the accuracy drop.</summary>
    public PredictivenessResult? Headline => Find("mwu_p", "accuracy-drop");

    public PredictivenessResult? Find(string metric, string target) =>
        Predictiveness.FirstOrDefault(p => p.Metric == metric && p.Target == target);
}
