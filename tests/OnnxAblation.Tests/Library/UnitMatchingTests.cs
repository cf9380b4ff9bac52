using OnnxAblation.Analysis;

namespace OnnxAblation.Tests.Library;

/// <summary>Greedy matching of units by their per-class drop vectors, worked out by hand or from a known permutation.</summary>
public class UnitMatchingTests
{
    [Fact]
    public void Greedy_takes_the_highest_r_first_and_each_unit_once()
    {
        // (1,0) = 0.95 is taken first; A0 and B0 are then used only once: A0 gets B1.
        var r = new double[,] { { 0.9, 0.1 }, { 0.95, 0.2 } };
        var pairs = UnitMatching.Greedy(r);
        Assert.Equal([new UnitMatching.Pair(1, 0, 0.95), new UnitMatching.Pair(0, 1, 0.1)], pairs);
        Assert.Equal((0.95 + 0.1) / 2, UnitMatching.MeanR(pairs), 12);
    }

    [Fact]
    public void Undefined_correlations_are_matched_last_and_left_out_of_the_mean()
    {
        var r = new double[,] { { double.NaN, double.NaN }, { 0.5, -0.2 } };
        var pairs = UnitMatching.Greedy(r);
        Assert.Equal(new UnitMatching.Pair(1, 0, 0.5), pairs[0]);
        Assert.True(double.IsNaN(pairs[1].R));
        Assert.Equal(0.5, UnitMatching.MeanR(pairs), 12);
        Assert.True(double.IsNaN(UnitMatching.MeanR([new UnitMatching.Pair(0, 0, double.NaN)])));
    }

    [Fact]
    public void A_layer_whose_units_are_a_permutation_of_the_other_is_matched_back_exactly_far_above_chance()
    {
        var rng = new Random(7);
        var a = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 10).Select(_ => rng.NextDouble()).ToArray()).ToList();
        int[] perm = [3, 0, 7, 1, 11, 5, 9, 2, 10, 4, 8, 6];
        var b = perm.Select(i => a[i]).ToList(); // B's unit j is A's unit perm[j]
        var pairs = UnitMatching.Greedy(UnitMatching.Correlations(a, b));
        Assert.Equal(12, pairs.Count);
        foreach (var p in pairs)
        {
            Assert.Equal(perm[p.B], p.A);
            Assert.Equal(1.0, p.R, 12);
        }
        var (mean, p95, pValue) = UnitMatching.Chance(a, b, UnitMatching.MeanR(pairs), permutations: 100);
        Assert.True(mean < 0.9 && p95 < 1, $"chance mean {mean}, 95th percentile {p95}");
        Assert.Equal(1.0 / 101, pValue, 12); // no class permutation reaches r = 1
    }
}
