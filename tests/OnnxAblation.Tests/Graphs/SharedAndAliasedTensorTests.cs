using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Graphs;

/// <summary>
/// Exporters share and alias parameters (torch de-duplicates identical initializers; BatchNorm γ/β reached through
/// Identity; MatMul weights behind Transpose; conv biases from Constant nodes). Every rewrite must change the ablated
/// node alone: each case is checked against a copy of the graph whose unit activation is masked to 0 (no engine rewrite).
/// </summary>
public class SharedAndAliasedTensorTests
{
    private static readonly int[] Shape = [2, 4, 4];

    private static float[] Input(int samples, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, samples * 32).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static float[] Values(int n, int seed, float scale = 1f, float offset = 0f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale + offset).ToArray();
    }

    /// <summary>
    /// Two convs (3 channels each) whose BatchNorms share γ (ones), β (zeros), mean and var through Identity nodes; a
    /// shared zero bias; their sum → Relu → GlobalAveragePool → Flatten → Gemm.
    /// </summary>
    private static OnnxModel SharedBatchNorms()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 4, 4).Output("y", -1, 3);
        string ones = b.Init("ones", [3], 1, 1, 1), zeros = b.Init("zeros", [3], 0, 0, 0);
        string mean = b.Init("mean", [3], 0.1f, -0.2f, 0.3f), var = b.Init("var", [3], 1.5f, 0.5f, 2f);
        string gamma = b.Node("Identity", [ones], name: "gamma_alias");
        string[] branch = new string[2];
        for (int k = 0; k < 2; k++)
        {
            string conv = b.Node("Conv", ["x", b.Init($"w{k}", [3, 2, 3, 3], Values(54, 10 + k)), zeros], name: $"conv{k}", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
            branch[k] = b.Node("BatchNormalization", [conv, gamma, zeros, mean, var], name: $"bn{k}");
        }
        string sum = b.Node("Add", [branch[0], branch[1]], name: "residual");
        string pooled = b.Node("GlobalAveragePool", [b.Node("Relu", [sum])]);
        b.Node("Gemm", [b.Node("Flatten", [pooled]), b.Init("fc", [3, 3], Values(9, 3)), zeros], output: "y", name: "fc", attributes: ("transB", 1L));
        return b.Build();
    }

    [Fact]
    public void Shared_batchnorm_parameters_are_copied_and_each_ablation_changes_its_own_node_only()
    {
        var model = SharedBatchNorms();
        var units = UnitDiscovery.Discover(model, Shape);
        Assert.Empty(units.Unmapped);
        Assert.Contains(units.Notes, n => n.Contains("shared", StringComparison.Ordinal));
        var x = Input(5, 1);
        foreach (var (layer, bn) in new[] { ("conv0", "bn0_out"), ("conv1", "bn1_out") })
        {
            Assert.Equal(bn, units[layer].UnitTensor);
            var ablated = Ablator.Apply(units, [new UnitSet(layer, [1])], ModeSpec.ZeroIn);
            var oracle = ActivationMask.Zeroed(model, bn, 3, [1], 3);
            Assert.Equal(Run.Outputs(oracle, x, Shape), Run.Outputs(ablated, x, Shape));
        }
        // the loaded model is untouched: its shared tensors are still shared and unchanged
        Assert.Equal(new float[] { 1, 1, 1 }, model.GetInitializer("ones"));
        Assert.Equal(Run.Outputs(model, x, Shape), Run.Outputs(units.Model, x, Shape));
    }

    [Fact]
    public void Saved_ablation_of_a_shared_tensor_model_loads_and_gives_the_same_outputs()
    {
        var units = UnitDiscovery.Discover(SharedBatchNorms(), Shape);
        var ablated = Ablator.Apply(units, [new UnitSet("conv0", [0, 2])], ModeSpec.ZeroIn);
        string path = Path.Combine(Path.GetTempPath(), $"shared-{Guid.NewGuid():N}.onnx");
        try
        {
            ablated.Save(path);
            var x = Input(4, 2);
            Assert.Equal(Run.Outputs(ablated, x, Shape), Run.Outputs(OnnxModel.Load(path), x, Shape));
        }
        finally { File.Delete(path); }
    }

    /// <summary>x [N,2,4,4] → Flatten → MatMul(x, Transpose(W)) + b (W shared with a second MatMul, tied) → Relu → MatMul(·, Cast(W2)) → y.</summary>
    private static OnnxModel TiedAndTransposed()
    {
        var b = new GraphBuilder().Input("x", -1, 2, 4, 4).Output("y", -1, 4);
        string flat = b.Node("Flatten", ["x"]);
        string w = b.Init("w_tied", [6, 32], Values(192, 5, 0.3f));
        string wt = b.Node("Transpose", [w], name: "w_t", attributes: ("perm", new long[] { 1, 0 }));
        string bias = b.Node("Constant", [], name: "bias_const");
        string h = b.Node("Add", [b.Node("MatMul", [flat, wt], name: "fc1"), bias], name: "fc1_bias");
        string h2 = b.Node("MatMul", [flat, wt], name: "fc1_twin"); // tied: reads the same transposed weight
        string a = b.Node("Relu", [b.Node("Add", [h, h2])]);
        b.Node("MatMul", [a, b.Node("Identity", [b.Init("w2", [6, 4], Values(24, 6))], name: "w2_alias")], output: "y", name: "fc2");
        var m = b.Build();
        var constant = m.Graph.Node.Single(n => n.Name == "bias_const");
        constant.Attribute.Add(new global::Onnx.AttributeProto
        {
            Name = "value", Type = global::Onnx.AttributeProto.Types.AttributeType.Tensor,
            T = TensorCodec.Create("bias_value", [6], Values(6, 7)),
        });
        return m;
    }

    [Fact]
    public void Weights_behind_transpose_identity_and_constant_nodes_are_folded_and_tied_weights_untied()
    {
        var model = TiedAndTransposed();
        var units = UnitDiscovery.Discover(model, Shape);
        Assert.Empty(units.Unmapped);
        Assert.Equal(["fc1", "fc1_twin", "fc2"], units.Layers.Select(l => l.Name));
        Assert.NotNull(units["fc1"].BiasName);
        var x = Input(3, 3);
        var ablated = Ablator.Apply(units, [new UnitSet("fc1", [2, 4])], ModeSpec.ZeroIn);
        var oracle = ActivationMask.Zeroed(model, "fc1_bias_out", 6, [2, 4], 1);
        Assert.Equal(Run.Outputs(oracle, x, Shape), Run.Outputs(ablated, x, Shape));
        // zero-out of fc1 units reaches fc2's rows through the Add with its twin: merged, so refused with the reason
        Assert.True(units["fc1"].OutgoingMerged);
    }
}
