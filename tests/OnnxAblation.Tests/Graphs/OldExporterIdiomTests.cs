using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Graphs;

/// <summary>
/// Idioms of old exporters (Caffe2, CNTK): IR 3 with every initializer also listed as a graph input, opset 8 (as CNTK writes),
/// BatchNormalization with the `spatial` attribute, n-ary Sum for residuals, Unsqueeze with an axes attribute, weights
/// in float_data, a fixed batch of 1, a Reshape to a constant shape, a final Softmax.
/// </summary>
public class OldExporterIdiomTests
{
    private static readonly int[] Shape = [2, 4, 4];

    private static float[] Values(int n, int seed, float scale = 0.5f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static OnnxModel Caffe2Style()
    {
        var b = new GraphBuilder().Input("data", 1, 2, 4, 4).Output("prob", 1, 3);
        string a = b.Node("Conv", ["data", b.Init("conv_a_w", [3, 2, 3, 3], Values(54, 1)), b.Init("conv_a_b", [3], Values(3, 2))], output: "conv_a", name: "", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        string bn = b.Node("BatchNormalization", [a, b.Init("bn_s", [3], 1.2f, 0.8f, 1f), b.Init("bn_b", [3], 0.1f, -0.1f, 0.2f), b.Init("bn_m", [3], 0f, 0.1f, -0.1f), b.Init("bn_v", [3], 1f, 2f, 0.5f)],
            output: "bn_a", name: "", attributes: ("spatial", 1L));
        string r = b.Node("Relu", [bn], output: "relu_a", name: "");
        string c = b.Node("Conv", [r, b.Init("conv_b_w", [3, 3, 1, 1], Values(9, 3))], output: "conv_b", name: "");
        string sum = b.Node("Sum", [r, b.Node("Relu", [c], output: "relu_b", name: ""), r], output: "sum", name: "");
        string pooled = b.Node("GlobalAveragePool", [sum], output: "pool", name: "");
        string flat = b.Node("Reshape", [pooled, b.InitInt64("flat_shape", [2], 1, 3)], output: "flat", name: "");
        string fc = b.Node("Gemm", [flat, b.Init("fc_w", [3, 3], Values(9, 4)), b.Init("fc_b", [3], Values(3, 5))], output: "fc", name: "", attributes: ("transB", 1L));
        b.Node("Softmax", [fc], output: "prob", name: "");
        var model = b.Build(opset: 8);
        var proto = model.Proto;
        proto.IrVersion = 3;
        foreach (var init in proto.Graph.Initializer)
        {
            var type = new TypeProto.Types.Tensor { ElemType = init.DataType, Shape = new TensorShapeProto() };
            foreach (var d in init.Dims) type.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            proto.Graph.Input.Add(new ValueInfoProto { Name = init.Name, Type = new TypeProto { TensorType = type } });
            if (init.DataType == 1)
            {
                var values = TensorCodec.ToFloats(init);
                init.ClearRawData();
                init.FloatData.AddRange(values);
            }
        }
        return OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(proto), null, "<caffe2-style>");
    }

    [Fact]
    public void Ir3_graph_with_initializer_inputs_is_discovered_and_zero_in_matches_an_activation_mask()
    {
        var model = Caffe2Style();
        var units = UnitDiscovery.Discover(model);
        Assert.Empty(units.Unmapped);
        Assert.Equal(["conv_a_w", "conv_b_w", "fc_w"], units.Layers.Select(l => l.Name));
        Assert.Equal("bn_a", units["conv_a_w"].UnitTensor);
        Assert.True(units.Model.Proto.IrVersion >= 4);
        Assert.DoesNotContain(units.Model.Graph.Input, i => units.Model.HasInitializer(i.Name));
        Assert.Contains(units.Notes, n => n.Contains("graph inputs", StringComparison.Ordinal));
        var x = Values(3 * 32, 9, 1f);
        var ablated = Ablator.Apply(units, [new UnitSet("conv_a_w", [0, 2])], ModeSpec.ZeroIn);
        var oracle = ActivationMask.Zeroed(model, "bn_a", 3, [0, 2], 3);
        Assert.Equal(Run.Outputs(oracle, x, Shape), Run.Outputs(ablated, x, Shape));
        // the residual Sum merges conv_a's units with themselves and conv_b's: zero-out of conv_b is refused with the reason
        Assert.True(units["conv_b_w"].OutgoingMerged);
        Assert.Contains("residual", ModeSpec.Parse("zero-out").Unavailable(units, units["conv_b_w"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Old_unsqueeze_attribute_and_new_axes_input_are_both_followed()
    {
        foreach (int opset in new[] { 11, 13 })
        {
            var b = new GraphBuilder().Input("x", -1, 4).Output("y", -1, 2);
            string h = b.Node("Relu", [b.Node("Gemm", ["x", b.Init("w1", [3, 4], Values(12, 1))], name: "fc1", attributes: ("transB", 1L))]);
            string u = opset == 11
                ? b.Node("Unsqueeze", [h], name: "unsq", attributes: ("axes", new long[] { 2, 3 }))
                : b.Node("Unsqueeze", [h, b.InitInt64("axes", [2], 2, 3)], name: "unsq");
            string c = b.Node("Conv", [u, b.Init("w2", [2, 3, 1, 1], Values(6, 2))], name: "conv");
            b.Node("Flatten", [c], output: "y");
            var units = UnitDiscovery.Discover(b.Build(opset), [4]);
            Assert.Null(units["fc1"].OutgoingProblem);
            Assert.Equal("conv", Assert.Single(units.Consumers(units["fc1"])).Name);
            Assert.Equal([1, 4], units.Outgoing(units["fc1"], 1).Single().Indices);
        }
    }
}
