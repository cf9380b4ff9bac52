using OnnxAblation.Onnx;
using Onnx;
using TorchSharp;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Training-mode semantics, held weights, write-back and lifetime of <see cref="OnnxTorchModule"/>.</summary>
public class ModuleTests
{
    private static OnnxModel BatchNormGraph(float momentum)
    {
        var g = new GraphBuilder("x", [3, 2, 2]);
        g.Floats("scale", [3], [1.5f, 0.5f, 2f]);
        g.Floats("shift", [3], [0.1f, -0.2f, 0.3f]);
        g.Floats("mean", [3], [0.2f, -0.1f, 0.05f]);
        g.Floats("var", [3], [1.2f, 0.8f, 1.0f]);
        return g.Build(g.Node("BatchNormalization", ["x", "scale", "shift", "mean", "var"], ("epsilon", 1e-5f), ("momentum", momentum)));
    }

    [Fact]
    public void Batch_norm_in_training_mode_uses_batch_statistics_and_updates_running_ones_with_onnx_momentum()
    {
        const float momentum = 0.8f;
        var model = BatchNormGraph(momentum);
        int[] shape = [5, 3, 2, 2];
        var x = Compare.RandomInput(shape, seed: 11);
        using var module = new OnnxTorchModule(model);
        module.train();
        var (y, _) = Compare.Torch(module, x, shape);

        float[] scale = [1.5f, 0.5f, 2f], shift = [0.1f, -0.2f, 0.3f], mean0 = [0.2f, -0.1f, 0.05f], var0 = [1.2f, 0.8f, 1.0f];
        var runMean = module.Values("mean");
        var runVar = module.Values("var");
        for (int c = 0; c < 3; c++)
        {
            var vals = new List<(int Index, double Value)>();
            for (int n = 0; n < 5; n++)
                for (int k = 0; k < 4; k++)
                {
                    int i = (n * 3 + c) * 4 + k;
                    vals.Add((i, x[i]));
                }
            double mu = vals.Average(v => v.Value);
            double variance = vals.Average(v => (v.Value - mu) * (v.Value - mu)); // population variance
            foreach (var (i, v) in vals)
                Assert.Equal((v - mu) / Math.Sqrt(variance + 1e-5) * scale[c] + shift[c], y[i], 4);
            Assert.Equal(mean0[c] * momentum + mu * (1 - momentum), runMean[c], 5);
            Assert.Equal(var0[c] * momentum + variance * (1 - momentum), runVar[c], 5);
        }

        // eval mode normalises with the (updated) running statistics
        module.eval();
        var (e, _) = Compare.Torch(module, x, shape);
        Assert.Equal((x[0] - runMean[0]) / Math.Sqrt(runVar[0] + 1e-5) * scale[0] + shift[0], e[0], 4);
        Assert.Equal(runMean, module.ToOnnx().GetInitializer("mean"));
    }

    [Fact]
    public void Frozen_batch_norm_keeps_running_statistics_in_training_mode()
    {
        var model = BatchNormGraph(0.9f);
        using var module = new OnnxTorchModule(model);
        module.SetTrainable([]);
        module.train();
        Compare.Torch(module, Compare.RandomInput([4, 3, 2, 2]), [4, 3, 2, 2]);
        Assert.Equal(new[] { 0.2f, -0.1f, 0.05f }, module.Values("mean"));
    }

    [Fact]
    public void Dropout_drops_in_training_mode_only()
    {
        var g = new GraphBuilder("x", [1000]);
        var model = g.Build(g.Node("Dropout", ["x", g.Floats("ratio", [], [0.25f])]));
        var x = Enumerable.Repeat(1f, 2000).ToArray();
        using var module = new OnnxTorchModule(model);
        module.eval();
        Assert.Equal(x, Compare.Torch(module, x, [2, 1000]).Values);
        module.train();
        var y = Compare.Torch(module, x, [2, 1000]).Values;
        int dropped = y.Count(v => v == 0);
        Assert.InRange(dropped, 400, 600); // 25% of 2000
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1f / 0.75f, v, 5));
    }

    [Fact]
    public void Held_elements_are_masked_in_forward_and_get_no_gradient()
    {
        var g = new GraphBuilder("x", [3]);
        var model = g.Build(g.Node("MatMul", ["x", g.Floats("w", [3, 2], [1, 2, 3, 4, 5, 6])]));
        using var module = new OnnxTorchModule(model);
        module.Hold("w", [0, 3]);
        Assert.Equal(new float[] { 0, 2, 3, 0, 5, 6 }, module.Values("w"));
        Assert.Equal(2, module.HeldCount);
        using (var scope = torch.NewDisposeScope())
        {
            // even a value written into a held element behind the module's back does not reach the output
            using (torch.no_grad()) module.ParameterOf("w").fill_(1);
            var y = module.forward(torch.tensor(new float[] { 1, 1, 1 }, [1, 3]));
            Assert.Equal(new float[] { 2, 2 }, TorchTensors.Floats(y));
            y.sum().backward();
            Assert.Equal(new float[] { 0, 1, 1, 0, 1, 1 }, TorchTensors.Floats(module.ParameterOf("w").grad!));
            module.ZeroHeldGradients();
            module.ReapplyHeld();
        }
        Assert.Equal(new float[] { 0, 1, 1, 0, 1, 1 }, module.Values("w"));
    }

    [Fact]
    public void Write_back_keeps_the_graph_and_each_initializers_element_type()
    {
        var g = new GraphBuilder("x", [2]);
        var w = TensorCodec.Create("w16", [2, 2], [1f, 2f, 3f, 4f], (int)TensorProto.Types.DataType.Float16);
        var model = g.Build(g.Node("MatMul", ["x", g.Floats("w", [2, 2], [1, 0, 0, 1])]));
        model.Graph.Initializer.Add(w);
        model.Graph.Node.Add(new NodeProto { OpType = "Add", Name = "add", Input = { model.Graph.Node[0].Output[0], "w16" }, Output = { "y" } });
        model.Graph.Output[0].Name = "y";
        using var module = new OnnxTorchModule(model);
        Assert.Equal(["w", "w16"], module.ParameterNames);
        using (torch.no_grad()) module.ParameterOf("w16").add_(0.5f);
        var back = module.ToOnnx();
        Assert.Equal((int)TensorProto.Types.DataType.Float16, back.Initializer("w16").DataType);
        Assert.Equal(new[] { 1.5f, 2.5f, 3.5f, 4.5f }, back.GetInitializer("w16"));
        Assert.Equal(model.Graph.Node, back.Graph.Node);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, model.GetInitializer("w16")); // the source model is untouched
    }

    [Fact]
    public void Disposed_module_refuses_to_run_and_releases_its_parameters()
    {
        var g = new GraphBuilder("x", [3]);
        var module = new OnnxTorchModule(g.Build(g.Node("MatMul", ["x", g.Weight("w", [3, 2])])));
        var p = module.ParameterOf("w");
        module.Dispose();
        Assert.Throws<InvalidOperationException>(() => p.shape);
        using var x = torch.zeros(1, 3);
        Assert.Throws<ObjectDisposedException>(() => module.forward(x));
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(2, 2, 1, 1)]
    [InlineData(2, 1, 2, 2)]
    public void Convolution_gradients_match_a_direct_computation(int group, int stride, int dilation, int pad)
    {
        const int n = 2, c = 4, h = 7, w = 6, o = 6, k = 3;
        var g = new GraphBuilder("x", [c, h, w], seed: 3);
        var y = g.Node("Conv", ["x", g.Weight("w", [o, c / group, k, k]), g.Weight("b", [o])],
            ("group", group), ("strides", new long[] { stride, stride }), ("dilations", new long[] { dilation, dilation }), ("pads", new long[] { pad, pad, pad, pad }));
        var model = g.Build(y);
        float[] x = Compare.RandomInput([n, c, h, w], seed: 4);
        float[] weights = model.GetInitializer("w");
        using var module = new OnnxTorchModule(model);
        using var scope = torch.NewDisposeScope();
        var output = module.forward(torch.tensor(x, [n, c, h, w]));
        long ho = output.shape[2], wo = output.shape[3];
        var upstream = Compare.RandomInput([n, o, (int)ho, (int)wo], seed: 6);
        (output * torch.tensor(upstream, output.shape)).sum().backward();
        var grad = TorchTensors.Floats(module.ParameterOf("w").grad!);
        var gradBias = TorchTensors.Floats(module.ParameterOf("b").grad!);

        int cg = c / group, og = o / group;
        var expected = new double[weights.Length];
        var expectedBias = new double[o];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                    {
                        double up = upstream[((b * o + oc) * ho + i) * wo + j];
                        expectedBias[oc] += up;
                        for (int ci = 0; ci < cg; ci++)
                            for (int ki = 0; ki < k; ki++)
                                for (int kj = 0; kj < k; kj++)
                                {
                                    int r = i * stride - pad + ki * dilation, s = j * stride - pad + kj * dilation;
                                    if (r < 0 || r >= h || s < 0 || s >= w) continue;
                                    int channel = oc / og * cg + ci;
                                    expected[((oc * cg + ci) * k + ki) * k + kj] += up * x[((b * c + channel) * h + r) * w + s];
                                }
                    }
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], grad[i], 3);
        for (int i = 0; i < o; i++) Assert.Equal(expectedBias[i], gradBias[i], 3);
    }

    [Fact]
    public void Holding_an_index_outside_the_tensor_is_an_error_naming_it()
    {
        var g = new GraphBuilder("x", [3]);
        using var module = new OnnxTorchModule(g.Build(g.Node("MatMul", ["x", g.Weight("w", [3, 2])])));
        var ex = Assert.Throws<RecoveryException>(() => module.Hold("w", [6]));
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<RecoveryException>(() => module.Hold("nope", [0]));
    }
}
