using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>
/// The fast path's linear update (cut after a layer's linear first consumer, subtract the ablated columns' contribution)
/// against the masked fast path and the reference path: which chains it takes, which it must not, and equal predictions.
/// </summary>
public class LinearUpdateTests
{
    private static readonly InferenceOptions Options = new() { Threads = 1, BatchSize = 64 };

    private static EvaluationResult[] Fast(ModelUnits units, Dataset data, List<IReadOnlyList<UnitSet>> ablations, bool linear, out FastEvaluator evaluator)
    {
        var results = new EvaluationResult[ablations.Count];
        evaluator = new FastEvaluator(units, data, ModeSpec.ZeroIn, Options, fast: new FastOptions { LinearUpdate = linear, LinearUpdateMinMacs = 0, AblationsPerRun = 3, RowsPerRun = 48 });
        evaluator.Evaluate(ablations, (i, r) => results[i] = r);
        evaluator.Dispose();
        return results;
    }

    private static EvaluationResult[] Reference(ModelUnits units, Dataset data, List<IReadOnlyList<UnitSet>> ablations)
    {
        var results = new EvaluationResult[ablations.Count];
        using var e = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, Options);
        e.Evaluate(ablations, (i, r) => results[i] = r);
        return results;
    }

    /// <summary>Singles, a pair and the whole layer for each layer named.</summary>
    private static List<IReadOnlyList<UnitSet>> Ablations(ModelUnits units, params string[] layers)
    {
        var list = new List<IReadOnlyList<UnitSet>>();
        foreach (var name in layers)
        {
            var l = units[name];
            for (int u = 0; u < l.UnitCount; u++) list.Add([new UnitSet(name, [u])]);
            list.Add([new UnitSet(name, [0, l.UnitCount - 1])]);
            list.Add([new UnitSet(name, Enumerable.Range(0, l.UnitCount).ToArray())]);
        }
        return list;
    }

    private static void AssertSame(EvaluationResult[] expected, EvaluationResult[] actual, List<IReadOnlyList<UnitSet>> ablations, string what)
    {
        for (int i = 0; i < ablations.Count; i++)
        {
            Assert.True(expected[i].Predicted.SequenceEqual(actual[i].Predicted), $"{what}, {ablations[i][0]}: predictions differ");
            Assert.Equal(expected[i].MeanLoss, actual[i].MeanLoss, 4);
        }
    }

    private static float[] Values(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static Dataset Images(Random rng, int n, int[] shape) =>
        new(Values(rng, n * shape.Aggregate(1, (a, b) => a * b)), Enumerable.Range(0, n).Select(i => i % 3).ToArray(), shape, ["a", "b", "c"], "<random>");

    /// <summary>Cut with the linear update; asserts which consumer it found (or that it masks), then checks all three paths agree.</summary>
    private static void Check(OnnxModel model, Dataset data, string layer, string? consumer, params string[] others)
    {
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cut = GraphCut.TryCreate(units, units[layer], 3, data.SampleShape, out string? why, linear: true);
        Assert.True(cut is not null, why);
        Assert.Equal(consumer, cut.Linear?.Node.Name);
        var ablations = Ablations(units, [layer, .. others]);
        var linear = Fast(units, data, ablations, linear: true, out var fe);
        Assert.Empty(fe.Notes);
        Assert.Equal(ablations.Count, fe.FastCount);
        AssertSame(Reference(units, data, ablations), linear, ablations, "linear update vs reference");
        AssertSame(Fast(units, data, ablations, linear: false, out _), linear, ablations, "linear update vs mask");
    }

    [Fact]
    public void Conv_after_relu_and_max_pool_is_updated_by_a_one_channel_convolution()
    {
        var rng = new Random(1);
        var b = new GraphBuilder().Input("x", -1, 2, 8, 8).Output("y", -1, 3);
        string c1 = b.Node("Conv", ["x", b.Init("w1", [6, 2, 3, 3], Values(rng, 108)), b.Init("b1", [6], Values(rng, 6))], name: "c1", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        string p = b.Node("MaxPool", [b.Node("Relu", [c1])], attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })]);
        string c2 = b.Node("Conv", [p, b.Init("w2", [5, 6, 3, 3], Values(rng, 270)), b.Init("b2", [5], Values(rng, 5))], name: "c2",
            attributes: [("pads", new long[] { 1, 0, 1, 0 }), ("strides", new long[] { 1, 2 }), ("dilations", new long[] { 1, 1 })]);
        string g = b.Node("GlobalAveragePool", [b.Node("Relu", [c2])]);
        string f = b.Node("Flatten", [g], attributes: ("axis", 1L));
        b.Node("Gemm", [f, b.Init("head", [3, 5], Values(rng, 15))], output: "y", name: "head", attributes: ("transB", 1L));
        Check(b.Build(), Images(rng, 23, [2, 8, 8]), "c1", "c2", "c2");
    }

    [Fact]
    public void Gemm_after_a_flatten_of_channels_reads_each_unit_as_its_spatial_block()
    {
        // conv [4, 3, 3] → Relu → Flatten → Gemm(transB, alpha 0.5): unit c is columns 9c … 9c+8
        var rng = new Random(2);
        var b = new GraphBuilder().Input("x", -1, 1, 5, 5).Output("y", -1, 3);
        string c1 = b.Node("Conv", ["x", b.Init("w1", [4, 1, 3, 3], Values(rng, 36))], name: "c1");
        string f = b.Node("Flatten", [b.Node("Relu", [c1])], attributes: ("axis", 1L));
        string h = b.Node("Gemm", [f, b.Init("w2", [7, 36], Values(rng, 252)), b.Init("b2", [7], Values(rng, 7))], name: "fc",
            attributes: [("transB", 1L), ("alpha", 0.5f)]);
        b.Node("Gemm", [b.Node("Relu", [h]), b.Init("head", [7, 3], Values(rng, 21))], output: "y", name: "head");
        var model = b.Build();
        var data = Images(rng, 19, [1, 5, 5]);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cut = GraphCut.TryCreate(units, units["c1"], 2, data.SampleShape, out _, linear: true);
        Assert.Equal(9, cut!.Spread);
        Assert.Equal([18, 19, 20, 21, 22, 23, 24, 25, 26], cut.Columns(2));
        Check(model, data, "c1", "fc", "fc");
    }

    [Fact]
    public void Token_matmul_after_gelu_and_an_output_layer_consumer_are_updated()
    {
        // [B, T, C] units on the last axis (Gelu keeps 0 at 0); the second MatMul's consumer is the model output itself
        var rng = new Random(3);
        var b = new GraphBuilder().Input("x", -1, 12).Output("y", -1, 3);
        string tokens = b.Node("Reshape", ["x", b.InitInt64("tokens", [3], -1, 3, 4)], name: "to_tokens");
        string h = b.Node("MatMul", [tokens, b.Init("w1", [4, 6], Values(rng, 24))], name: "mlp1");
        string h2 = b.Node("MatMul", [b.Node("Tanh", [h]), b.Init("w2", [6, 4], Values(rng, 24))], name: "mlp2");
        string pooled = b.Node("ReduceMean", [h2], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
        string fc = b.Node("Gemm", [pooled, b.Init("w3", [4, 5], Values(rng, 20))], name: "fc");
        b.Node("Gemm", [b.Node("Clip", [fc, b.Init("lo", [], 0f), b.Init("hi", [], 6f)]), b.Init("head", [5, 3], Values(rng, 15))], output: "y", name: "head");
        var model = b.Build();
        var data = new Dataset(Values(rng, 29 * 12), Enumerable.Range(0, 29).Select(i => i % 3).ToArray(), [12], ["a", "b", "c"], "<tokens>");
        Check(model, data, "mlp1", "mlp2");
        Check(model, data, "fc", "head");
    }

    [Theory]
    [InlineData("Softplus")]           // maps 0 to ln 2 (a BatchNormalization right after the conv is part of the layer: its output is the unit tensor)
    [InlineData("Sigmoid")]            // maps 0 to 0.5
    [InlineData("two readers")]        // a residual reads the unit tensor too
    [InlineData("grouped")]            // a depthwise consumer
    public void Chains_that_do_not_keep_an_ablated_channel_zero_are_masked(string between)
    {
        var rng = new Random(4);
        var b = new GraphBuilder().Input("x", -1, 4, 6, 6).Output("y", -1, 3);
        string c1 = b.Node("Conv", ["x", b.Init("w1", [4, 4, 1, 1], Values(rng, 16))], name: "c1");
        string t = between switch
        {
            "Softplus" => b.Node("Softplus", [c1]),
            "Sigmoid" => b.Node("Sigmoid", [c1]),
            _ => b.Node("Relu", [c1]),
        };
        var w2 = between == "grouped" ? b.Init("w2", [4, 1, 3, 3], Values(rng, 36)) : b.Init("w2", [4, 4, 3, 3], Values(rng, 144));
        string c2 = b.Node("Conv", [t, w2], name: "c2", attributes: [("pads", new long[] { 1, 1, 1, 1 }), ("group", between == "grouped" ? 4L : 1L)]);
        if (between == "two readers") c2 = b.Node("Add", [c2, c1]);
        string f = b.Node("Flatten", [b.Node("GlobalAveragePool", [c2])], attributes: ("axis", 1L));
        b.Node("Gemm", [f, b.Init("head", [4, 3], Values(rng, 12))], output: "y", name: "head");
        Check(b.Build(), Images(rng, 17, [4, 6, 6]), "c1", null);
    }

    [Theory]
    [InlineData("fmnist-mlp/model.onnx")]
    [InlineData("fmnist-vgg/model-folded.onnx")]
    [InlineData("fmnist-vgg/model-bn.onnx")]
    [InlineData("fmnist-resnet-tiny/model-folded.onnx")]
    public void Reference_models_give_the_masked_paths_predictions(string file)
    {
        var model = OnnxModel.Load(TestPaths.Model(file));
        var data = DataSets.Load($"idx:{TestPaths.FashionMnist}/t10k", 300);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var layers = units.HiddenLayers.Where(l => GraphCut.TryCreate(units, l, 2, data.SampleShape, out _, linear: true)?.Linear is not null).ToList();
        Assert.NotEmpty(layers);
        // every unit of the updated layers against the masked fast path (itself tested against the reference), four per layer against the reference path
        var all = layers.SelectMany(l => Enumerable.Range(0, l.UnitCount).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [u])])).ToList();
        var linear = Fast(units, data, all, linear: true, out var fe);
        Assert.Equal(all.Count, fe.FastCount);
        AssertSame(Fast(units, data, all, linear: false, out _), linear, all, file);
        var some = layers.SelectMany(l => new[] { 0, l.UnitCount / 3, l.UnitCount / 2, l.UnitCount - 1 }.Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [u])])).ToList();
        AssertSame(Reference(units, data, some), Fast(units, data, some, linear: true, out _), some, file);
    }
}
