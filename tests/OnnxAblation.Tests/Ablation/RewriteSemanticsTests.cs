using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>Ablation rewrites on hand-built graphs; every expected value is worked out by hand in the comments.</summary>
public class RewriteSemanticsTests
{
    // fc1: Gemm transB=1, W = [[1,2],[3,4],[5,6]], C = [0.5,-1,2]  → h = [x0+2x1+0.5, 3x0+4x1-1, 5x0+6x1+2]
    // relu, fc2: Gemm transB=0, W2 = [[1,0],[0,1],[1,1]] (3→2), no bias → y = [h0+h2, h1+h2]
    private static OnnxModel TwoLayerGemm()
    {
        var b = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 2);
        string h = b.Node("Gemm", ["x", b.Init("W1", [3, 2], 1, 2, 3, 4, 5, 6), b.Init("C1", [3], 0.5f, -1, 2)], name: "fc1", attributes: ("transB", 1L));
        string a = b.Node("Relu", [h], name: "relu1");
        b.Node("Gemm", [a, b.Init("W2", [3, 2], 1, 0, 0, 1, 1, 1)], output: "y", name: "fc2");
        return b.Build();
    }

    private static readonly float[] X = [1, 2, 0, 1]; // two samples: [1,2] → h = [5.5, 10, 19]; [0,1] → h = [2.5, 3, 8]

    private static float[] Apply(OnnxModel m, string units, ModeSpec mode, UnitMeans? means = null)
    {
        var found = UnitDiscovery.Discover(m);
        var planner = new OnnxAblation.Ablation.Studies.StudyPlanner(found, mode);
        return Run.Outputs(Ablator.Apply(found, planner.ParseUnits(units), mode, means), X, [2]);
    }

    [Fact]
    public void Baseline_is_as_computed_by_hand() =>
        Assert.Equal([24.5f, 29f, 10.5f, 11f], Run.Outputs(TwoLayerGemm(), X, [2]));

    [Fact]
    public void Zero_in_silences_the_unit_exactly()
    {
        // h1 := 0 → y = [h0+h2, h2] = [24.5, 19] and [10.5, 8]
        Assert.Equal([24.5f, 19f, 10.5f, 8f], Apply(TwoLayerGemm(), "fc1:1", ModeSpec.ZeroIn));
    }

    [Fact]
    public void Zero_out_removes_the_units_outgoing_weights()
    {
        // W2 row 2 := 0 → y = [h0, h1] = [5.5, 10] and [2.5, 3]
        Assert.Equal([5.5f, 10f, 2.5f, 3f], Apply(TwoLayerGemm(), "fc1:2", ModeSpec.Parse("zero-out")));
    }

    [Fact]
    public void Scale_multiplies_weights_and_bias()
    {
        // h2 *= 0.5 → h2 = 9.5 / 4 → y = [15, 19.5] and [6.5, 7]
        Assert.Equal([15f, 19.5f, 6.5f, 7f], Apply(TwoLayerGemm(), "fc1:2", ModeSpec.Parse("scale:0.5")));
    }

    [Fact]
    public void Mean_replaces_the_unit_by_its_data_mean()
    {
        // mean of h1 over the two samples = (10 + 3) / 2 = 6.5 → y = [h0+h2, 6.5+h2] = [24.5, 25.5] and [10.5, 14.5]
        var m = TwoLayerGemm();
        var units = UnitDiscovery.Discover(m);
        var data = new Dataset(X, [0, 0], [2], ["0"], "<hand>");
        var means = UnitMeans.Compute(units, units.Layers, data, Run.Options);
        Assert.Equal([5.5 / 2 + 2.5 / 2, 6.5, 13.5], means["fc1"]);
        Assert.Equal([24.5f, 25.5f, 10.5f, 14.5f], Apply(m, "fc1:1", ModeSpec.Parse("mean"), means));
    }

    [Fact]
    public void Matmul_with_add_bias_and_matmul_without_bias()
    {
        // MatMul W [2,3] = [[1,3,5],[2,4,6]] + B [0.5,-1,2]: the same h as fc1 above.
        var b = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 3);
        string mm = b.Node("MatMul", ["x", b.Init("W", [2, 3], 1, 3, 5, 2, 4, 6)], name: "mm");
        b.Node("Add", [mm, b.Init("B", [3], 0.5f, -1, 2)], output: "y", name: "bias");
        var m = b.Build();
        var units = UnitDiscovery.Discover(m);
        Assert.Equal("B", units["mm"].BiasName);
        Assert.Equal([5.5f, 10f, 0f, 2.5f, 3f, 0f], Apply(m, "mm:2", ModeSpec.ZeroIn));

        // Without a bias, mean ablation must add one: mean of unit 0 (x0 + 2 x1) = (5 + 2) / 2 = 3.5
        var b2 = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 3);
        b2.Node("MatMul", ["x", b2.Init("W", [2, 3], 1, 3, 5, 2, 4, 6)], output: "y", name: "mm");
        var m2 = b2.Build();
        var u2 = UnitDiscovery.Discover(m2);
        var means = UnitMeans.Compute(u2, u2.Layers, new Dataset(X, [0, 0], [2], ["0"], "<hand>"), Run.Options);
        var ablated = Ablator.Apply(u2, [new UnitSet("mm", [0])], ModeSpec.Parse("mean"), means);
        Assert.Equal([3.5f, 11f, 17f, 3.5f, 4f, 6f], Run.Outputs(ablated, X, [2]));
        Assert.Contains(ablated.Graph.Node, n => n.OpType == "Add");
    }

    [Fact]
    public void Conv_with_kept_batchnorm_outputs_exactly_zero()
    {
        // conv 1→2 (1×1): ch0 = 2x + 1, ch1 = 3x + 1; BN scale [1,2], shift [0.5,0.5], mean [1,1], var [4,4].
        var b = new GraphBuilder().Input("x", -1, 1, 2, 2).Output("y", -1, 2, 2, 2);
        string c = b.Node("Conv", ["x", b.Init("Wc", [2, 1, 1, 1], 2, 3), b.Init("Bc", [2], 1, 1)], name: "conv");
        b.Node("BatchNormalization", [c, b.Init("s", [2], 1, 2), b.Init("t", [2], 0.5f, 0.5f), b.Init("mu", [2], 1, 1), b.Init("var", [2], 4, 4)], output: "y", name: "bn");
        var m = b.Build();
        var units = UnitDiscovery.Discover(m);
        Assert.Equal(units.Model.Index().Producer("y"), units["conv"].BatchNormNodeIndex);
        float[] x = [1, 2, 3, 4];
        var before = Run.Outputs(m, x, [1, 2, 2]);
        var after = Run.Outputs(Ablator.Apply(units, [new UnitSet("conv", [1])], ModeSpec.ZeroIn), x, [1, 2, 2]);
        Assert.Equal(before[..4], after[..4]);           // channel 0 untouched
        Assert.Equal([0f, 0f, 0f, 0f], after[4..]);      // channel 1 exactly 0, although the BN shift was 0.5
        // BN(3x+1) for x = 1: 2·(4 − 1)/√(4 + 1e-5) + 0.5 ≈ 3.5
        Assert.Equal(3.5, before[4], 3);
    }

    [Fact]
    public void Outgoing_weights_are_followed_through_flatten_concat_and_groups()
    {
        // conv a (1→2) and conv b (1→2) on 2×2 inputs, concat → 4 channels → grouped conv g (4→4, group 2, 1×1)
        // → flatten (4·2·2 = 16) → fc (Gemm transB=1, [1,16]).
        var b = new GraphBuilder().Input("x", -1, 1, 2, 2).Output("y", -1, 1);
        string a = b.Node("Conv", ["x", b.Init("Wa", [2, 1, 1, 1], 1, 1)], name: "a");
        string bb = b.Node("Conv", ["x", b.Init("Wb", [2, 1, 1, 1], 1, 1)], name: "b");
        string cat = b.Node("Concat", [a, bb], name: "cat", attributes: ("axis", 1L));
        string g = b.Node("Conv", [cat, b.Init("Wg", [4, 2, 1, 1], Enumerable.Range(1, 8).Select(i => (float)i).ToArray())], name: "g", attributes: ("group", 2L));
        string f = b.Node("Flatten", [g], name: "flat", attributes: ("axis", 1L));
        b.Node("Gemm", [f, b.Init("Wf", [1, 16], new float[16])], output: "y", name: "fc", attributes: ("transB", 1L));
        var units = UnitDiscovery.Discover(b.Build());
        // unit 1 of b is channel 3 of the concat: group 1 (channels 2,3) → outputs 2 and 3, input slot 1 → flat (o·2 + 1)
        Assert.Equal([5, 7], units.Outgoing(units["b"], 1).Single().Indices);
        // unit 0 of a is channel 0 → outputs 0 and 1, slot 0
        Assert.Equal([0, 2], units.Outgoing(units["a"], 0).Single().Indices);
        // channel 2 of g becomes features 8..11 of the flatten → columns 8..11 of fc's [1,16] weight
        Assert.Equal([8, 9, 10, 11], units.Outgoing(units["g"], 2).Single().Indices);
        Assert.True(units["fc"].IsOutputLayer);
        Assert.Equal(["a", "b", "g"], units.HiddenLayers.Select(l => l.Name));
    }

    [Fact]
    public void Conv_transpose_incoming_weights_follow_the_group_layout()
    {
        // W [C=2, M/group=3, 1, 1], group 1: unit 1 reads W[0,1] and W[1,1] → flat 1 and 4
        var b = new GraphBuilder().Input("x", -1, 2, 2, 2).Output("y", -1, 3, 2, 2);
        b.Node("ConvTranspose", ["x", b.Init("Wt", [2, 3, 1, 1], 1, 2, 3, 4, 5, 6)], output: "y", name: "up");
        var units = UnitDiscovery.Discover(b.Build());
        Assert.Equal(3, units["up"].UnitCount);
        Assert.Equal([1, 4], units.IncomingWeights(units["up"], 1));
        var ablated = Ablator.Apply(units, [new UnitSet("up", [1])], ModeSpec.ZeroIn);
        var y = Run.Outputs(ablated, [1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2]);
        Assert.Equal([5f, 5f, 5f, 5f, 0f, 0f, 0f, 0f, 9f, 9f, 9f, 9f], y);
    }

    [Fact]
    public void Zero_out_through_a_residual_add_is_refused_with_a_reason()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 1, 1).Output("y", -1, 2, 1, 1);
        string a = b.Node("Conv", ["x", b.Init("Wa", [2, 2, 1, 1], 1, 0, 0, 1)], name: "a");
        string r = b.Node("Relu", [a]);
        string c = b.Node("Conv", [r, b.Init("Wb", [2, 2, 1, 1], 1, 1, 1, 1)], name: "b");
        string sum = b.Node("Add", [a, c], name: "residual");
        b.Node("Conv", [sum, b.Init("Wc", [2, 2, 1, 1], 1, 0, 0, 1)], output: "y", name: "c");
        var units = UnitDiscovery.Discover(b.Build());
        Assert.True(units["b"].OutgoingMerged);
        var e = Assert.Throws<AblationException>(() => Ablator.Apply(units, [new UnitSet("b", [0])], ModeSpec.Parse("zero-out")));
        Assert.Contains("residual Add", e.Message);
        // zero-in still works: b's channel 0 output is 0, so y = c(a + [0, b1])
        var y = Run.Outputs(Ablator.Apply(units, [new UnitSet("b", [0])], ModeSpec.ZeroIn), [1, 2], [2, 1, 1]);
        Assert.Equal([1f, 2f + 3f], y); // a = [1,2], relu = [1,2], b = [0, 3]
    }

    [Fact]
    public void Noise_is_seeded_and_changes_only_the_units_weights()
    {
        var m = TwoLayerGemm();
        var units = UnitDiscovery.Discover(m);
        var a = Ablator.Apply(units, [new UnitSet("fc1", [0])], ModeSpec.Parse("noise:0.5", seed: 7));
        var again = Ablator.Apply(units, [new UnitSet("fc1", [0])], ModeSpec.Parse("noise:0.5", seed: 7));
        var other = Ablator.Apply(units, [new UnitSet("fc1", [0])], ModeSpec.Parse("noise:0.5", seed: 8));
        Assert.Equal(a.ToBytes(), again.ToBytes());
        Assert.NotEqual(a.ToBytes(), other.ToBytes());
        var w = a.GetInitializer("W1");
        Assert.Equal([3f, 4f, 5f, 6f], w[2..]);   // other units untouched
        Assert.NotEqual([1f, 2f], w[..2]);
    }

    [Fact]
    public void Unknown_layers_and_units_are_named()
    {
        var units = UnitDiscovery.Discover(TwoLayerGemm());
        var planner = new OnnxAblation.Ablation.Studies.StudyPlanner(units, ModeSpec.ZeroIn);
        Assert.Contains("no layer named 'fc9'", Assert.Throws<ArgumentException>(() => planner.ParseUnits("fc9:1")).Message);
        Assert.Contains("unit 3 does not exist", Assert.Throws<AblationException>(() => planner.ParseUnits("fc1:3")).Message);
        Assert.Contains("not a unit index", Assert.Throws<AblationException>(() => planner.ParseUnits("fc1:x")).Message);
    }
}
