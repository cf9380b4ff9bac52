using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Graphs;

/// <summary>
/// Units followed through the ops of real exporters: Pad, pooling, a channel shuffle (Reshape → Transpose → Reshape),
/// Split, a Slice whose bounds are int64 shape plumbing (Shape → Gather → Unsqueeze), Concat, Flatten, an Erf-GELU,
/// a squeeze-excitation gate. Where every op on the way maps 0 to 0, zeroing a unit's outgoing weights (zero-out)
/// must give exactly what zeroing the unit (zero-in) gives: a check of every channel mapping, unit by unit.
/// </summary>
public class UnitFollowingTests
{
    private static float[] Values(int n, int seed, float scale = 0.5f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static float[] Input(int samples, int size, int seed) => Values(samples * size, seed, 1f);

    private static OnnxModel ShuffleSplitConcat()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 6, 6).Output("y", -1, 3);
        string c1 = b.Node("Conv", ["x", b.Init("w1", [8, 2, 3, 3], Values(144, 1)), b.Init("b1", [8], Values(8, 2))], name: "conv1", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        string padded = b.Node("Pad", [b.Node("Relu", [c1]), b.InitInt64("pads", [8], 0, 0, 1, 1, 0, 0, 1, 1)], name: "pad");
        string pooled = b.Node("MaxPool", [padded], name: "pool", attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })]);
        string split5 = b.Node("Reshape", [pooled, b.InitInt64("s5", [5], -1, 2, 4, 4, 4)], name: "shuffle_split");
        string swapped = b.Node("Transpose", [split5], name: "shuffle_swap", attributes: ("perm", new long[] { 0, 2, 1, 3, 4 }));
        string shuffled = b.Node("Reshape", [swapped, b.InitInt64("s4", [4], -1, 8, 4, 4)], name: "shuffle_merge");
        var split = b.Node("Split", [shuffled, b.InitInt64("sizes", [2], 3, 5)], name: "split", attributes: ("axis", 1L));
        string partA = "split_out", partB = "split_out_b";
        string ca = b.Node("Conv", [b.Node("Relu", [partA]), b.Init("wa", [4, 3, 1, 1], Values(12, 3))], name: "conv_a");
        // Slice channels [1, C) of part B, with C read from the tensor's shape at run time (int64 plumbing)
        string c = b.Node("Gather", [b.Node("Shape", [partB], name: "shape_b"), b.InitInt64("one", [], 1)], name: "gather_c", attributes: ("axis", 0L));
        string ends = b.Node("Unsqueeze", [c, b.InitInt64("axes0", [1], 0)], name: "ends");
        string sliced = b.Node("Slice", [partB, b.InitInt64("starts", [1], 1), ends, b.InitInt64("axis1", [1], 1)], name: "slice_b");
        string cb = b.Node("Conv", [sliced, b.Init("wb", [4, 4, 1, 1], Values(16, 4)), b.Init("bb", [4], Values(4, 5))], name: "conv_b");
        string cat = b.Node("Concat", [ca, cb], name: "concat", attributes: ("axis", 1L));
        string flat = b.Node("Flatten", [b.Node("Relu", [cat])], name: "flatten");
        b.Node("Gemm", [flat, b.Init("fc", [3, 128], Values(384, 6)), b.Init("fcb", [3], Values(3, 7))], output: "y", name: "fc", attributes: ("transB", 1L));
        var m = b.Build();
        var splitNode = m.Graph.Node.Single(n => n.Name == "split");
        splitNode.Output.Add(partB);
        return m;
    }

    private static OnnxModel GeluAndSqueezeExcitation()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 6, 6).Output("y", -1, 3);
        string c1 = b.Node("Conv", ["x", b.Init("w1", [6, 2, 3, 3], Values(108, 11)), b.Init("b1", [6], Values(6, 12))], name: "conv1", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        // GELU as torch exports it: x · 0.5 · (1 + erf(x / √2))
        string erf = b.Node("Erf", [b.Node("Div", [c1, b.Init("sqrt2", [], 1.4142135f)])]);
        string gelu = b.Node("Mul", [b.Node("Mul", [c1, b.Node("Add", [erf, b.Init("one", [], 1f)])]), b.Init("half", [], 0.5f)], name: "gelu");
        string squeezed = b.Node("Conv", [b.Node("GlobalAveragePool", [gelu]), b.Init("wse1", [2, 6, 1, 1], Values(12, 13)), b.Init("bse1", [2], Values(2, 14))], name: "se1");
        string expanded = b.Node("Conv", [b.Node("Relu", [squeezed]), b.Init("wse2", [6, 2, 1, 1], Values(12, 15)), b.Init("bse2", [6], Values(6, 16))], name: "se2");
        string gated = b.Node("Mul", [gelu, b.Node("Sigmoid", [expanded])], name: "gate");
        string proj = b.Node("Conv", [gated, b.Init("wp", [4, 6, 1, 1], Values(24, 17))], name: "proj");
        string pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [proj])]);
        b.Node("Gemm", [pooled, b.Init("fc", [3, 4], Values(12, 18))], output: "y", name: "fc", attributes: ("transB", 1L));
        return b.Build();
    }

    public static TheoryData<string, string> Layers() => new()
    {
        { "shuffle", "conv1" }, { "shuffle", "conv_a" }, { "shuffle", "conv_b" },
        { "gelu-se", "conv1" }, { "gelu-se", "se1" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Zero_out_equals_zero_in_where_every_op_maps_zero_to_zero(string graph, string layerName)
    {
        var model = graph == "shuffle" ? ShuffleSplitConcat() : GeluAndSqueezeExcitation();
        int[] shape = [2, 6, 6];
        var units = UnitDiscovery.Discover(model, shape);
        var layer = units[layerName];
        Assert.Null(layer.OutgoingProblem);
        Assert.False(layer.OutgoingMerged);
        Assert.NotEmpty(units.Consumers(layer));
        var x = Input(4, 72, 21);
        for (int u = 0; u < layer.UnitCount; u++)
        {
            var zeroIn = Run.Outputs(Ablator.Apply(units, [new UnitSet(layerName, [u])], ModeSpec.ZeroIn), x, shape);
            var zeroOut = Run.Outputs(Ablator.Apply(units, [new UnitSet(layerName, [u])], ModeSpec.Parse("zero-out")), x, shape);
            for (int i = 0; i < zeroIn.Length; i++)
                Assert.True(Math.Abs(zeroIn[i] - zeroOut[i]) <= 1e-5f * (1 + Math.Abs(zeroIn[i])), $"{layerName} unit {u}: output {i} is {zeroOut[i]} by zero-out, {zeroIn[i]} by zero-in");
        }
    }

    [Fact]
    public void A_shuffled_unit_is_read_at_its_permuted_channel()
    {
        // channel f of conv1 = (i, j) = (f / 4, f % 4) in [2, 4]; after the shuffle it sits at j·2 + i: unit 1 → 2, unit 4 → 1
        var units = UnitDiscovery.Discover(ShuffleSplitConcat(), [2, 6, 6]);
        var conv1 = units["conv1"];
        Assert.Equal(["conv_a", "conv_b"], units.Consumers(conv1).Select(l => l.Name));
        // unit 4 lands at channel 1 of part A (conv_a input channel 1): conv_a weights [4,3,1,1], column 1
        Assert.Equal([1, 4, 7, 10], units.Outgoing(conv1, 4).Single().Indices);
        // unit 0 stays at channel 0 → part A; unit 3 → channel 6 → part B index 3 → after the slice index 2 → conv_b column 2
        Assert.Equal("wb", units.Outgoing(conv1, 3).Single().Tensor);
        Assert.Equal([2, 6, 10, 14], units.Outgoing(conv1, 3).Single().Indices);
        // unit 5 → channel 3 → part B index 0, which the slice drops: no outgoing weights at all
        Assert.Empty(units.Outgoing(conv1, 5));
    }

    [Fact]
    public void Ops_that_mix_units_stop_following_with_the_op_named_and_shape_reads_do_not()
    {
        var b = new GraphBuilder().Input("x", -1, 4).Output("y", -1, 3);
        string h = b.Node("Gemm", ["x", b.Init("w1", [4, 4], Values(16, 1))], name: "fc1");
        string norm = b.Node("Sub", [h, b.Node("ReduceMean", [h], name: "mean", attributes: ("axes", new long[] { -1 }))], name: "center");
        b.Node("Shape", [h], name: "only_the_shape");
        b.Node("Gemm", [norm, b.Init("w2", [4, 3], Values(12, 2))], output: "y", name: "fc2");
        var units = UnitDiscovery.Discover(b.Build(), [4]);
        var fc1 = units["fc1"];
        Assert.Contains("ReduceMean 'mean'", fc1.OutgoingProblem, StringComparison.Ordinal);
        Assert.Equal(("ReduceMean", "mean"), fc1.OutgoingStop);
        Assert.Equal("ReduceMean", Assert.Single(ModelInspection.StopsByOp(units)).OpType);
        Assert.Contains("zero-out unavailable", ModeSpec.Parse("zero-out").Unavailable(units, fc1), StringComparison.Ordinal);
        Assert.Null(ModeSpec.ZeroIn.Unavailable(units, fc1));
    }

    [Fact]
    public void Batchnorm_written_as_mul_and_add_is_coupled_so_zero_in_outputs_exactly_zero()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 4, 4).Output("y", -1, 3, 4, 4);
        string conv = b.Node("Conv", ["x", b.Init("w", [3, 2, 1, 1], Values(6, 1))], name: "conv");
        string scaled = b.Node("Mul", [conv, b.Init("scale", [3, 1, 1], 2f, 3f, 4f)], name: "bn_mul");
        b.Node("Add", [scaled, b.Init("shift", [1, 3, 1, 1], 0.5f, -1f, 1.5f)], output: "y", name: "bn_add");
        var units = UnitDiscovery.Discover(b.Build(), [2, 4, 4]);
        var layer = units["conv"];
        Assert.Equal("y", layer.UnitTensor);
        Assert.Equal(["scale", "shift"], layer.AffineTensors);
        var y = Run.Outputs(Ablator.Apply(units, [new UnitSet("conv", [1])], ModeSpec.ZeroIn), Input(2, 32, 3), [2, 4, 4]);
        for (int s = 0; s < 2; s++)
            Assert.All(y.AsSpan(s * 48 + 16, 16).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_matmul_whose_weight_is_the_left_operand_has_its_units_on_the_rows()
    {
        // x [N,12] → [N,4,3]; h = W1·x (W1 [5,4]) → [N,5,3]; Relu; W2·h (W2 [6,5]) → [N,6,3]; Flatten; Gemm
        var b = new GraphBuilder().Input("x", -1, 12).Output("y", -1, 2);
        string tokens = b.Node("Reshape", ["x", b.InitInt64("shape", [3], -1, 4, 3)], name: "to_rows");
        string h = b.Node("Relu", [b.Node("MatMul", [b.Init("w1", [5, 4], Values(20, 31)), tokens], name: "left1")]);
        string h2 = b.Node("MatMul", [b.Init("w2", [6, 5], Values(30, 32)), h], name: "left2");
        b.Node("Gemm", [b.Node("Flatten", [h2]), b.Init("fc", [2, 18], Values(36, 33))], output: "y", name: "fc", attributes: ("transB", 1L));
        var model = b.Build();
        var units = UnitDiscovery.Discover(model, [12]);
        var left1 = units["left1"];
        Assert.Equal(5, left1.UnitCount);
        Assert.Equal(0, left1.WeightInput);
        Assert.Equal("left2", Assert.Single(units.Consumers(left1)).Name);
        var x = Input(3, 12, 34);
        for (int u = 0; u < 5; u++)
        {
            var zeroIn = Run.Outputs(Ablator.Apply(units, [new UnitSet("left1", [u])], ModeSpec.ZeroIn), x, [12]);
            var oracle = Run.Outputs(ActivationMask.Zeroed(model, "left1_out", 5, [u], 2), x, [12]);
            var zeroOut = Run.Outputs(Ablator.Apply(units, [new UnitSet("left1", [u])], ModeSpec.Parse("zero-out")), x, [12]);
            Assert.Equal(oracle, zeroIn);
            for (int i = 0; i < zeroIn.Length; i++) Assert.True(Math.Abs(zeroIn[i] - zeroOut[i]) <= 1e-5f * (1 + Math.Abs(zeroIn[i])), $"unit {u}: zero-out differs");
        }
    }
}
