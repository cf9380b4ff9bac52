using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>Two layers at the same position of two models of the same architecture, with their units matched.</summary>
/// <param name="Position">Position among the hidden layers (0-based).</param>
/// <param name="A">The layer of model A.</param>
/// <param name="B">The layer of model B.</param>
/// <param name="Pairs">Greedy one-to-one match by the correlation of per-class drop vectors, best first.</param>
/// <param name="MeanR">Mean r of the matched pairs (those defined).</param>
/// <param name="ChanceMean">Mean of the same statistic with B's classes permuted.</param>
/// <param name="ChanceP95">95th percentile of it.</param>
/// <param name="ChanceP">Permutation p-value of <paramref name="MeanR"/>.</param>
/// <param name="DropAgreement">Spearman between the matched units' overall accuracy drops (A vs B).</param>
public sealed record LayerMatch(
    int Position,
    ComparedLayer A,
    ComparedLayer B,
    IReadOnlyList<UnitMatching.Pair> Pairs,
    double MeanR,
    double ChanceMean,
    double ChanceP95,
    double ChanceP,
    CorrelationResult DropAgreement)
{
    public static LayerMatch Compute(int position, ComparedLayer a, ComparedLayer b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var pairs = UnitMatching.Greedy(UnitMatching.Correlations(a.ClassDrops, b.ClassDrops));
        double mean = UnitMatching.MeanR(pairs);
        var (chance, p95, p) = UnitMatching.Chance(a.ClassDrops, b.ClassDrops, mean);
        var agreement = Correlation.Spearman(pairs.Select(p => a.Damage.AccuracyDrop[p.A]).ToArray(), pairs.Select(p => b.Damage.AccuracyDrop[p.B]).ToArray());
        return new LayerMatch(position, a, b, pairs, mean, chance, p95, p, agreement);
    }
}
