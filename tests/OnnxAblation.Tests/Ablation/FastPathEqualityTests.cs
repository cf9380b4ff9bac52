using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>The fast path (cached prefix, masked suffix, K ablations per run) against the reference path.</summary>
public class FastPathEqualityTests
{
    private static Dataset RandomData(int seed, int n)
    {
        var rng = new Random(seed);
        int size = RandomCnn.SampleShape.Aggregate(1, (a, b) => a * b);
        return new Dataset(Enumerable.Range(0, n * size).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(RandomCnn.Classes)).ToArray(), RandomCnn.SampleShape, ["a", "b", "c"], "<random>");
    }

    private static (EvaluationResult[] Fast, EvaluationResult[] Reference, FastEvaluator Evaluator) Both(ModelUnits units, Dataset data, List<IReadOnlyList<UnitSet>> ablations, FastOptions fastOptions)
    {
        var options = new InferenceOptions { Threads = 1, BatchSize = 64 };
        var fast = new EvaluationResult[ablations.Count];
        var reference = new EvaluationResult[ablations.Count];
        var fe = new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: fastOptions);
        fe.Evaluate(ablations, (i, r) => fast[i] = r);
        using var re = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options);
        re.Evaluate(ablations, (i, r) => reference[i] = r);
        fe.Dispose();
        return (fast, reference, fe);
    }

    [Property(MaxTest = 12, Arbitrary = [typeof(SeedArbitrary)])]
    public void Random_graphs_give_identical_predictions(int seed)
    {
        var model = RandomCnn.Build(seed);
        var data = RandomData(seed, 37); // odd count: a short last chunk
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var ablations = new List<IReadOnlyList<UnitSet>>();
        foreach (var l in units.HiddenLayers)
        {
            for (int u = 0; u < l.UnitCount; u++) ablations.Add([new UnitSet(l.Name, [u])]);
            if (l.UnitCount > 2) ablations.Add([new UnitSet(l.Name, [0, l.UnitCount - 1])]);
            ablations.Add([new UnitSet(l.Name, Enumerable.Range(0, l.UnitCount).ToArray())]);
        }
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions { AblationsPerRun = 3, RowsPerRun = 48 });
        Assert.Empty(fe.Notes);
        Assert.Equal(ablations.Count, fe.FastCount);
        for (int i = 0; i < ablations.Count; i++)
        {
            Assert.True(reference[i].Predicted.SequenceEqual(fast[i].Predicted), $"seed {seed}, {ablations[i][0]}: predictions differ");
            Assert.Equal(reference[i].MeanLoss, fast[i].MeanLoss, 4);
        }
    }

    [Fact]
    public void Ablations_the_mask_cannot_express_go_to_the_reference_path()
    {
        var model = RandomCnn.Build(3);
        var data = RandomData(3, 20);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var hidden = units.HiddenLayers.ToList();
        // a group across two layers cannot be one mask: evaluated by the reference path, same result
        List<IReadOnlyList<UnitSet>> ablations = [[new UnitSet(hidden[0].Name, [0]), new UnitSet(hidden[1].Name, [1])], [new UnitSet(hidden[1].Name, [0])]];
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions());
        Assert.Equal(1, fe.ReferenceCount);
        Assert.Equal(1, fe.FastCount);
        Assert.Equal(reference[0].Predicted, fast[0].Predicted);
        Assert.Equal(reference[1].Predicted, fast[1].Predicted);
    }

    [Theory]
    [InlineData(0L)]                 // no cache: every call recomputes the prefix
    [InlineData(512L * 1024 * 1024)] // cache: later calls reuse the prefix outputs
    public void Later_calls_give_the_same_results_with_or_without_the_prefix_cache(long cacheBytes)
    {
        var model = RandomCnn.Build(11);
        var data = RandomData(11, 45);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var layer = units.HiddenLayers.First();
        var ablations = Enumerable.Range(0, layer.UnitCount).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(layer.Name, [u])]).ToList();
        var options = new InferenceOptions { Threads = 2 };
        using var fe = new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: new FastOptions { RowsPerRun = 16, PrefixCacheBytes = cacheBytes });
        var first = new EvaluationResult[ablations.Count];
        var second = new EvaluationResult[ablations.Count];
        fe.Evaluate(ablations, (i, r) => first[i] = r);
        fe.Evaluate(ablations, (i, r) => second[i] = r); // the cache is filled from a layer's second call
        fe.Evaluate(ablations, (i, r) => second[i] = r); // and read from the third
        using var re = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options);
        re.Evaluate(ablations, (i, r) =>
        {
            Assert.Equal(r.Predicted, first[i].Predicted);
            Assert.Equal(r.Predicted, second[i].Predicted);
            Assert.Equal(first[i].MeanLoss, second[i].MeanLoss);
        });
    }

    /// <summary>Seeds as plain positive ints, so a failing case names a seed to replay.</summary>
    public static class SeedArbitrary
    {
        public static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(1, 1_000_000));
    }

    /// <summary>Token MLP as transformers have it: [N, T, C] activations whose units lie on the last axis.</summary>
    [Fact]
    public void Token_mlp_units_on_the_last_axis_take_the_fast_path_with_identical_predictions()
    {
        var rng = new Random(5);
        float[] V(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = new GraphBuilder().Input("x", -1, 12).Output("y", -1, 3);
        string tokens = b.Node("Reshape", ["x", b.InitInt64("tokens", [3], -1, 3, 4)], name: "to_tokens");
        string h = b.Node("Add", [b.Node("MatMul", [tokens, b.Init("w1", [4, 6], V(24))], name: "mlp1"), b.Init("b1", [6], V(6))], name: "mlp1_bias");
        string h2 = b.Node("MatMul", [b.Node("Relu", [h]), b.Init("w2", [6, 4], V(24))], name: "mlp2");
        string pooled = b.Node("ReduceMean", [h2], name: "pool_tokens", attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
        b.Node("Gemm", [pooled, b.Init("head", [3, 4], V(12))], output: "y", name: "head", attributes: ("transB", 1L));
        var model = b.Build();
        var data = new OnnxAblation.Data.Dataset(V(29 * 12), Enumerable.Range(0, 29).Select(i => i % 3).ToArray(), [12], ["a", "b", "c"], "<tokens>");
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var ablations = new List<IReadOnlyList<UnitSet>>();
        foreach (var l in new[] { "mlp1", "mlp2" })
            for (int u = 0; u < units[l].UnitCount; u++) ablations.Add([new UnitSet(l, [u])]);
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions { AblationsPerRun = 2, RowsPerRun = 16 });
        AssertAllFastAndEqual(fast, reference, fe, ablations);
    }

    [Fact]
    public void A_model_input_that_crosses_the_cut_is_fed_in_the_shape_the_model_declares()
    {
        // Images [1,4,4] fed to a model that declares [N,16]; the head reads the input again after the cut of 'a2'
        // (Concat), and a parallel branch 'c1' reads it too.
        var rng = new Random(7);
        float[] V(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = new GraphBuilder().Input("x", -1, 16).Output("y", -1, 3);
        string a = b.Node("Relu", [b.Node("MatMul", ["x", b.Init("wa", [16, 6], V(96))], name: "a1")]);
        string a2 = b.Node("MatMul", [a, b.Init("wa2", [6, 5], V(30))], name: "a2");
        string c = b.Node("Relu", [b.Node("MatMul", ["x", b.Init("wc", [16, 5], V(80))], name: "c1")]);
        string sum = b.Node("Relu", [b.Node("Add", [a2, c])]);
        string both = b.Node("Concat", [sum, "x"], attributes: ("axis", 1L));
        b.Node("MatMul", [both, b.Init("head", [21, 3], V(63))], output: "y", name: "head");
        var model = b.Build();
        var data = new Dataset(V(23 * 16), Enumerable.Range(0, 23).Select(i => i % 3).ToArray(), [1, 4, 4], ["a", "b", "c"], "<images>");
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        // The parallel branch is computed once in the prefix and crosses as a cached tensor, not recomputed per ablation.
        var cut = GraphCut.TryCreate(units, units["a2"], 2, data.SampleShape, out string? why);
        Assert.True(cut is not null, why);
        Assert.Contains(c, cut.Crossing);
        Assert.Contains("x", cut.Crossing);
        Assert.DoesNotContain(cut.Suffix.Graph.Node, n => n.Name == "c1");
        var ablations = new List<IReadOnlyList<UnitSet>>();
        foreach (var l in new[] { "a2", "a1" })
            for (int u = 0; u < units[l].UnitCount; u++) ablations.Add([new UnitSet(l, [u])]);
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions { AblationsPerRun = 2, RowsPerRun = 16 });
        AssertAllFastAndEqual(fast, reference, fe, ablations);
    }

    [Fact]
    public void A_model_that_fixes_its_batch_size_runs_fast_in_it()
    {
        // Batch fixed to 4 (input [4,16], a Reshape to [4,5]), 12 samples: three batches of 4, one ablation per suffix run.
        var rng = new Random(11);
        float[] V(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = new GraphBuilder().Input("x", 4, 16).Output("y", 4, 3);
        string h = b.Node("Relu", [b.Node("MatMul", ["x", b.Init("w1", [16, 6], V(96))], name: "fc1")]);
        string h2 = b.Node("Relu", [b.Node("MatMul", [h, b.Init("w2", [6, 5], V(30))], name: "fc2")]);
        var shape = b.Init("shape", [2], [4f, 5f]); // float: cast below, as old exporters' hard-coded shapes
        string flat = b.Node("Reshape", [h2, b.Node("Cast", [shape], attributes: ("to", 7L))]);
        b.Node("MatMul", [flat, b.Init("head", [5, 3], V(15))], output: "y", name: "head");
        var model = b.Build();
        var data = new Dataset(V(12 * 16), Enumerable.Range(0, 12).Select(i => i % 3).ToArray(), [16], ["a", "b", "c"], "<fixed batch>");
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cut = GraphCut.TryCreate(units, units["fc1"], 8, data.SampleShape, out string? why);
        Assert.True(cut is not null, why);
        Assert.Equal(4, cut.FixedBatch);
        Assert.Equal(1, cut.K);
        var ablations = new List<IReadOnlyList<UnitSet>>();
        foreach (var l in new[] { "fc1", "fc2" })
            for (int u = 0; u < units[l].UnitCount; u++) ablations.Add([new UnitSet(l, [u])]);
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions());
        AssertAllFastAndEqual(fast, reference, fe, ablations);
    }

    /// <summary>
    /// A projection of [T·B, C] or [B·T, C] (the batch folded into the tokens, as torch's MultiheadAttention does
    /// token-major): unfolded to [B, T, C] across the cut in the order the values show, folded back after.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_batch_folded_into_the_tokens_crosses_the_cut_unfolded(bool tokenMajor)
    {
        var rng = new Random(13);
        float[] V(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = new GraphBuilder().Input("x", -1, 12).Output("y", -1, 3);
        string tokens = b.Node("Reshape", ["x", b.InitInt64("tokens", [3], -1, 3, 4)]); // [B, T=3, C=4]
        string order = tokenMajor ? b.Node("Transpose", [tokens], attributes: ("perm", new long[] { 1, 0, 2 })) : tokens;
        string flat = b.Node("Reshape", [order, b.InitInt64("flat", [2], -1, 4)]); // [T·B, 4] or [B·T, 4]
        string proj = b.Node("Gemm", [flat, b.Init("wo", [5, 4], V(20)), b.Init("bo", [5], V(5))], name: "out_proj", attributes: ("transB", 1L));
        string back = tokenMajor
            ? b.Node("Transpose", [b.Node("Reshape", [proj, b.InitInt64("tb", [3], 3, -1, 5)])], attributes: ("perm", new long[] { 1, 0, 2 }))
            : b.Node("Reshape", [proj, b.InitInt64("bt", [3], -1, 3, 5)]);
        string mixed = b.Node("Relu", [b.Node("MatMul", [back, b.Init("w2", [5, 6], V(30))], name: "mlp")]);
        string pooled = b.Node("ReduceMean", [mixed], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
        b.Node("Gemm", [pooled, b.Init("head", [3, 6], V(18))], output: "y", name: "head", attributes: ("transB", 1L));
        var model = b.Build();
        var data = new Dataset(V(21 * 12), Enumerable.Range(0, 21).Select(i => i % 3).ToArray(), [12], ["a", "b", "c"], "<folded>");
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cut = GraphCut.TryCreate(units, units["out_proj"], 2, data.SampleShape, out string? why);
        Assert.True(cut is not null, why);
        Assert.Equal([3L, 5L], cut.SampleShapes[0]);
        var ablations = Enumerable.Range(0, 5).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet("out_proj", [u])]).ToList();
        ablations.Add([new UnitSet("out_proj", [1, 3])]);
        var (fast, reference, fe) = Both(units, data, ablations, new FastOptions { AblationsPerRun = 2, RowsPerRun = 16 });
        AssertAllFastAndEqual(fast, reference, fe, ablations);
    }

    /// <summary>Every ablation took the fast path, with the reference path's predictions and loss.</summary>
    private static void AssertAllFastAndEqual(EvaluationResult[] fast, EvaluationResult[] reference, FastEvaluator fe, List<IReadOnlyList<UnitSet>> ablations)
    {
        Assert.Empty(fe.Notes);
        Assert.Equal(ablations.Count, fe.FastCount);
        for (int i = 0; i < ablations.Count; i++)
        {
            Assert.True(reference[i].Predicted.SequenceEqual(fast[i].Predicted), $"{ablations[i][0]}: predictions differ");
            Assert.Equal(reference[i].MeanLoss, fast[i].MeanLoss, 4);
        }
    }
}
