using OnnxAblation.Ablation.Units;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;

namespace OnnxAblation.Tests.Importance;

public class WeightMetricsTests
{
    private static readonly Lazy<(ModelUnits Units, OnnxModel Init)> Mlp = new(() =>
    {
        var model = OnnxModel.Load(TestPaths.Model("mnist-mlp-20-10/model.onnx"));
        var init = OnnxModel.Load(TestPaths.Model("mnist-mlp-20-10/init.onnx"));
        return (UnitDiscovery.Discover(model, [784]), init);
    });

    // Every hidden unit of mnist-mlp-20-10 (20 + 10) against SciPy/NumPy: statistics of float32 weights summed in double,
    // 1e-9 relative; U exact; Mann-Whitney p 1e-9 relative.
    [Fact]
    public void Trained_vs_init_matches_scipy_for_every_hidden_unit()
    {
        var (units, init) = Mlp.Value;
        var hidden = WeightMetrics.ComputeHidden(units, init);
        var golden = StatsGolden.Root.GetProperty("weights").EnumerateArray().ToList();
        Assert.Equal(golden.Count, hidden.Count);
        int checkedUnits = 0;
        foreach (var g in golden)
        {
            var layer = hidden.Single(h => h.Layer == g.GetProperty("layer").GetString());
            Assert.Equal("init-model", layer.Reference);
            Assert.Equal(g.GetProperty("weight").GetString(), layer.WeightName);
            var gu = g.GetProperty("units").EnumerateArray().ToList();
            Assert.Equal(gu.Count, layer.Units.Count);
            foreach (var e in gu)
            {
                var u = layer.Units[e.GetProperty("unit").GetInt32()];
                string what = $"{layer.Layer}[{u.Unit}]";
                Check(e.GetProperty("incoming"), u.Incoming, what + " in");
                Check(e.GetProperty("outgoing"), u.Outgoing, what + " out");
                Assert.Null(u.OutgoingNote);
                Assert.Equal(StatsGolden.Num(e, "mwu_init", "U"), u.Change.U);
                StatsGolden.Close(StatsGolden.Num(e, "mwu_init", "p"), u.Change.P, 1e-9, 1e-300, what + " mwu p");
                StatsGolden.Close(StatsGolden.Num(e, "mwu_init", "r"), u.Change.RankBiserial, 0, 1e-12, what + " mwu r");
                checkedUnits++;
            }
        }
        Assert.Equal(30, checkedUnits);
    }

    [Fact]
    public void Without_init_model_compares_with_pytorch_default_uniform_analytically()
    {
        var (units, _) = Mlp.Value;
        foreach (var g in StatsGolden.Root.GetProperty("weights").EnumerateArray())
        {
            var layer = WeightMetrics.Compute(units, units[g.GetProperty("layer").GetString()!], init: null);
            var gu = g.GetProperty("units").EnumerateArray().ToList();
            double b = gu[0].GetProperty("uniform_analytic").GetProperty("b").GetDouble();
            Assert.Equal((int)Math.Round(1 / (b * b)), layer.FanIn);
            Assert.StartsWith("pytorch-default-uniform(b=", layer.Reference, StringComparison.Ordinal);
            Assert.EndsWith(",analytic)", layer.Reference, StringComparison.Ordinal);
            foreach (var e in gu)
            {
                var u = layer.Units[e.GetProperty("unit").GetInt32()];
                StatsGolden.Close(StatsGolden.Num(e, "uniform_analytic", "U"), u.Change.U, 1e-10, 0, "U");
                StatsGolden.Close(StatsGolden.Num(e, "uniform_analytic", "z"), u.Change.Z, 1e-9, 1e-12, "z");
                StatsGolden.Close(StatsGolden.Num(e, "uniform_analytic", "p"), u.Change.P, 1e-8, 1e-300, "p");
                StatsGolden.Close(StatsGolden.Num(e, "uniform_analytic", "r"), u.Change.RankBiserial, 0, 1e-12, "r");
            }
        }
    }

    [Fact]
    public void Sampled_uniform_reference_is_reproducible_and_named()
    {
        var (units, _) = Mlp.Value;
        var layer = units["/fc2/MatMul"];
        var options = new WeightMetricsOptions { Uniform = UniformReference.Sampled, Seed = 3 };
        var a = WeightMetrics.Compute(units, layer, null, options);
        var b = WeightMetrics.Compute(units, layer, null, options);
        Assert.Equal("pytorch-default-uniform(b=0.223607,sampled,seed=3)", a.Reference);
        Assert.Equal(a.Units.Select(u => u.Change.P), b.Units.Select(u => u.Change.P));
        Assert.All(a.Units, u => Assert.Equal("asymptotic", u.Change.Method));
        Assert.All(a.Units, u => Assert.Equal(20, u.Change.N2));
    }

    [Fact]
    public void Output_layer_has_no_outgoing_weights_with_a_reason()
    {
        var (units, init) = Mlp.Value;
        var last = units.Layers.Single(l => l.IsOutputLayer);
        var m = WeightMetrics.Compute(units, last, init);
        Assert.All(m.Units, u =>
        {
            Assert.True(double.IsNaN(u.Outgoing.L1));
            Assert.Contains("output layer", u.OutgoingNote, StringComparison.Ordinal);
        });
        Assert.Equal(12, m.Metrics().Count);
    }

    [Fact]
    public void Init_model_of_another_graph_is_refused_with_the_initializer_named()
    {
        var (units, init) = Mlp.Value;
        var other = init.Clone();
        other.Graph.Initializer.Remove(other.Initializer("onnx::MatMul_18"));
        var e = Assert.Throws<ArgumentException>(() => WeightMetrics.Compute(units, units["/fc2/MatMul"], other));
        Assert.Contains("onnx::MatMul_18", e.Message, StringComparison.Ordinal);
    }

    private static void Check(System.Text.Json.JsonElement g, WeightStats s, string what)
    {
        Assert.Equal(g.GetProperty("count").GetInt32(), s.Count);
        foreach (var (name, value) in new[] { ("l1", s.L1), ("l2", s.L2), ("mean", s.Mean), ("std", s.Std), ("maxAbs", s.MaxAbs), ("nearZero", s.NearZeroFraction) })
            StatsGolden.Close(g.GetProperty(name).GetDouble(), value, 1e-9, 1e-15, $"{what} {name}");
    }
}
