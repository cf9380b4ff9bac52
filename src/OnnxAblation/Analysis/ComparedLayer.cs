using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>One hidden layer of a <see cref="ComparedModel"/>: single-unit damage, whole-layer drop, selective units, MW correlation.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Damage">Single-unit accuracy drop and largest class drop per unit.</param>
/// <param name="ClassDrops">Per unit: baseline − ablated accuracy of each class.</param>
/// <param name="WholeLayerDrop">Accuracy drop with every unit of the layer ablated.</param>
/// <param name="Selective">The 5 most class-selective units (largest single-class loss beyond the overall loss).</param>
/// <param name="MannWhitneyVsDrop">Spearman between the units' Mann-Whitney p-values and their accuracy drops.</param>
public sealed record ComparedLayer(
    Layer Layer,
    UnitDamage Damage,
    IReadOnlyList<double[]> ClassDrops,
    double WholeLayerDrop,
    IReadOnlyList<UnitImpact> Selective,
    CorrelationResult MannWhitneyVsDrop)
{
    public double MeanDrop => Damage.AccuracyDrop.Average();

    public double MaxDrop => Damage.AccuracyDrop.Max();

    public int MaxUnit => Enumerable.Range(0, Damage.AccuracyDrop.Count).MaxBy(u => Damage.AccuracyDrop[u]);
}
