using OnnxAblation.Ablation.Store;
using OnnxAblation.Importance;

namespace OnnxAblation.Tests.Importance;

public class PredictivenessTests
{
    // Metric ranks 5,3,4,1,2; drop ranks 5,1,3,2,4: Σd² = 0+4+1+1+4 = 10 ⇒ ρ = 1 − 6·10/(5·24) = 0.5;
    // t = 0.5·√(3/0.75) = 1 with 3 dof ⇒ p = 0.391002218955770... (SciPy 0.39100221895577053).
    private static readonly double[] Metric = [5, 3, 4, 1, 2];
    private static readonly double[] Drop = [0.5, 0.1, 0.3, 0.2, 0.4];

    [Fact]
    public void Hand_computed_spearman()
    {
        var s = Correlation.Spearman(Metric, Drop);
        Assert.Equal(0.5, s.R, 14);
        Assert.Equal(0.39100221895577053, s.P, 12);
    }

    [Fact]
    public void Hand_computed_top_k_overlap()
    {
        // top-1: {0} vs {0} ⇒ 1; top-3: {0,2,1} vs {0,4,2} ⇒ 2/3; top-5 ⇒ 1
        Assert.Equal(1, Predictiveness.Overlap(Metric, MetricDirection.HigherIsImportant, Drop, 1));
        Assert.Equal(2 / 3.0, Predictiveness.Overlap(Metric, MetricDirection.HigherIsImportant, Drop, 3), 15);
        Assert.Equal(1, Predictiveness.Overlap(Metric, MetricDirection.HigherIsImportant, Drop, 5));
        // p-values: small = important, ascending order 0,2,1,4,3 ⇒ same top-3 {0,2,1}
        double[] p = [0.01, 0.2, 0.05, 0.9, 0.5];
        Assert.Equal(2 / 3.0, Predictiveness.Overlap(p, MetricDirection.LowerIsImportant, Drop, 3), 15);
        Assert.Equal(0, Predictiveness.Overlap(p, MetricDirection.HigherIsImportant, Drop, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Predictiveness.Overlap(Metric, MetricDirection.HigherIsImportant, Drop, 6));
    }

    [Fact]
    public void Compute_covers_metrics_times_targets_and_skips_unmeasured_units()
    {
        var damage = new UnitDamage("fc1", [0.5, 0.1, 0.3, 0.2, 0.4, double.NaN], [0.9, 0.2, 0.1, 0.3, 0.4, 0.7]);
        var metrics = new[]
        {
            new MetricValues("l1", [5, 3, 4, 1, 2, 100], MetricDirection.HigherIsImportant),
            new MetricValues("p", [0.01, 0.2, 0.05, 0.9, 0.5, 0.3], MetricDirection.LowerIsImportant),
        };
        var r = Predictiveness.Compute(metrics, damage);
        Assert.Equal(4, r.Count);
        var l1Acc = r.Single(x => x.Metric == "l1" && x.Target == "accuracy-drop");
        Assert.Equal(5, l1Acc.Spearman.N);
        Assert.Equal(0.5, l1Acc.Spearman.R, 14);
        Assert.Equal([1, 3, 5], l1Acc.TopK.Select(t => t.K));
        Assert.Equal(6, r.Single(x => x.Metric == "l1" && x.Target == "max-class-drop").Spearman.N);
        var e = Assert.Throws<ArgumentException>(() => Predictiveness.Compute([new MetricValues("short", [1, 2], MetricDirection.HigherIsImportant)], damage));
        Assert.Contains("short", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cumulative_order_and_curve_area()
    {
        Assert.Equal([3, 0, 1, 2], CumulativeOrder.By([0.5, 0.1, double.NaN, 0.9], MetricDirection.HigherIsImportant));
        Assert.Equal([1, 0, 3, 2], CumulativeOrder.By([0.5, 0.1, double.NaN, 0.9], MetricDirection.LowerIsImportant));
        Assert.Equal([0, 1, 2], CumulativeOrder.By([1, 1, 1], MetricDirection.LowerIsImportant));
        // flat curve ⇒ its height; linear 0.9 → 0.1 ⇒ 0.5; (1, 0.5, 0) trapezoids (0.75 + 0.25)/2 = 0.5
        Assert.Equal(0.9, CumulativeOrder.CurveArea([0.9, 0.9, 0.9, 0.9]), 15);
        Assert.Equal(0.5, CumulativeOrder.CurveArea([0.9, 0.7, 0.5, 0.3, 0.1]), 15);
        Assert.Equal(0.5, CumulativeOrder.CurveArea([1, 0.5, 0]), 15);
        // uneven fractions: (0,1) (0.5,1) (1,0) ⇒ 0.5 + 0.25 = 0.75
        Assert.Equal(0.75, CumulativeOrder.CurveArea([0, 0.5, 1], [1, 1, 0]), 15);
        Assert.Throws<ArgumentException>(() => CumulativeOrder.CurveArea([0.5]));
        Assert.Throws<ArgumentException>(() => CumulativeOrder.CurveArea([0, 0.5, 0.5], [1, 1, 0]));
    }

    [Fact]
    public void Unit_damage_from_single_unit_records()
    {
        var baseline = Record("baseline", [], "none", 0.9, [0.95, 0.85]);
        var records = new[]
        {
            Record("zero-in|fc1:0", [new UnitSet("fc1", [0])], "zero-in", 0.8, [0.95, 0.65]),
            Record("zero-in|fc1:2", [new UnitSet("fc1", [2])], "zero-in", 0.85, [0.90, 0.80]),
            Record("zero-in|fc1:0,1", [new UnitSet("fc1", [0, 1])], "zero-in", 0.1, [0.1, 0.1]),
            Record("zero-in|fc2:1", [new UnitSet("fc2", [1])], "zero-in", 0.1, [0.1, 0.1]),
        };
        var d = UnitDamage.FromRecords(baseline, records, "fc1", 3);
        Assert.Equal(0.1, d.AccuracyDrop[0], 12);
        Assert.Equal(0.2, d.MaxClassDrop[0], 12);
        Assert.True(double.IsNaN(d.AccuracyDrop[1]));
        Assert.Equal(0.05, d.AccuracyDrop[2], 12);
        Assert.Equal(0.05, d.MaxClassDrop[2], 12);
        var mixed = records.Append(Record("mean|fc1:0", [new UnitSet("fc1", [0])], "mean", 0.7, [0.7, 0.7]));
        var e = Assert.Throws<ArgumentException>(() => UnitDamage.FromRecords(baseline, mixed, "fc1", 3));
        Assert.Contains("modes", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.2, UnitDamage.FromRecords(baseline, mixed, "fc1", 3, "mean").AccuracyDrop[0], 12);
    }

    private static AblationRecord Record(string key, UnitSet[] units, string mode, double acc, double[] classAcc) => new()
    {
        Key = key, Study = "single", Units = units, Mode = mode, Accuracy = acc, ClassAccuracy = classAcc,
        MeanLoss = 0, ClassMeanLoss = new double[classAcc.Length], Correct = [],
    };
}
