using OnnxAblation.Onnx;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Hand-built graphs, one per operator family: the TorchSharp module must equal ONNX Runtime within 1e-4.</summary>
public class OperatorTests
{
    private const int Batch = 3;

    private static readonly Dictionary<string, Func<(OnnxModel Model, int[] Shape)>> Cases = new()
    {
        ["gemm alpha beta transA transB"] = () =>
        {
            var g = new GraphBuilder("x", [6]);
            var a = g.Node("Gemm", ["x", g.Weight("w", [4, 6]), g.Weight("c", [4])], ("transB", 1), ("alpha", 0.7f), ("beta", 1.3f));
            var xt = g.Node("Transpose", ["x"], ("perm", new long[] { 1, 0 }));
            var b = g.Node("Gemm", [xt, g.Weight("w2", [6, 4]), g.Weight("c2", [1])], ("transA", 1), ("beta", 0.5f));
            return (g.Build(g.Node("Add", [a, b])), [Batch, 6]);
        },
        ["matmul and broadcasting arithmetic"] = () =>
        {
            var g = new GraphBuilder("x", [3, 4]);
            var m = g.Node("MatMul", ["x", g.Weight("w", [4, 5])]);
            var a = g.Node("Add", [m, g.Weight("b", [5])]);
            var s = g.Node("Sub", [g.Weight("c", [3, 1]), a]);
            var p = g.Node("Mul", [s, g.Weight("d", [1, 5])]);
            return (g.Build(g.Node("Div", [p, g.Weight("e", [1], 0.5, 2)])), [Batch, 3, 4]);
        },
        ["conv grouped strided dilated asymmetric pads"] = () =>
        {
            var g = new GraphBuilder("x", [4, 9, 9]);
            var c = g.Node("Conv", ["x", g.Weight("w", [6, 2, 3, 3]), g.Weight("b", [6])],
                ("group", 2), ("pads", new long[] { 1, 0, 2, 1 }), ("strides", new long[] { 2, 1 }), ("dilations", new long[] { 1, 2 }));
            return (g.Build(g.Node("Relu", [c])), [Batch, 4, 9, 9]);
        },
        ["conv auto_pad SAME_UPPER and depthwise"] = () =>
        {
            var g = new GraphBuilder("x", [4, 8, 7]);
            var c = g.Node("Conv", ["x", g.Weight("w", [4, 1, 3, 2])], ("group", 4), ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 }));
            var d = g.Node("Conv", [c, g.Weight("w2", [5, 4, 1, 1]), g.Weight("b2", [5])], ("auto_pad", "VALID"));
            return (g.Build(d), [Batch, 4, 8, 7]);
        },
        ["conv 1-D"] = () =>
        {
            var g = new GraphBuilder("x", [3, 10]);
            var c = g.Node("Conv", ["x", g.Weight("w", [4, 3, 3]), g.Weight("b", [4])], ("pads", new long[] { 1, 2 }), ("strides", new long[] { 2 }));
            return (g.Build(c), [Batch, 3, 10]);
        },
        ["conv transpose grouped, output_padding, asymmetric pads"] = () =>
        {
            var g = new GraphBuilder("x", [4, 5, 5]);
            var c = g.Node("ConvTranspose", ["x", g.Weight("w", [4, 3, 3, 3]), g.Weight("b", [6])],
                ("group", 2), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 0, 1, 1 }), ("output_padding", new long[] { 1, 0 }));
            return (g.Build(c), [Batch, 4, 5, 5]);
        },
        ["conv transpose output_shape"] = () =>
        {
            var g = new GraphBuilder("x", [2, 4, 4]);
            var c = g.Node("ConvTranspose", ["x", g.Weight("w", [2, 3, 3, 3])],
                ("strides", new long[] { 2, 2 }), ("output_shape", new long[] { 8, 8 }));
            return (g.Build(c), [Batch, 2, 4, 4]);
        },
        ["batch normalization (inference)"] = () =>
        {
            var g = new GraphBuilder("x", [3, 4, 4]);
            var bn = g.Node("BatchNormalization", ["x", g.Weight("scale", [3]), g.Weight("shift", [3]), g.Weight("mean", [3]), g.Weight("var", [3], 0.5, 2)],
                ("epsilon", 1e-3f));
            return (g.Build(bn), [Batch, 3, 4, 4]);
        },
        ["max pool padded, asymmetric, ceil"] = () =>
        {
            var g = new GraphBuilder("x", [2, 9, 9]);
            var a = g.Node("MaxPool", ["x"], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
            var b = g.Node("MaxPool", [a], ("kernel_shape", new long[] { 2, 2 }), ("pads", new long[] { 0, 0, 1, 1 }), ("strides", new long[] { 1, 1 }));
            var c = g.Node("MaxPool", [b], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1));
            return (g.Build(c), [Batch, 2, 9, 9]);
        },
        ["average pool with and without count_include_pad"] = () =>
        {
            var g = new GraphBuilder("x", [2, 9, 9]);
            var a = g.Node("AveragePool", ["x"], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
            var b = g.Node("AveragePool", ["x"], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 1));
            var c = g.Node("AveragePool", ["x"], ("kernel_shape", new long[] { 2, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 1, 1, 0 }));
            var d = g.Node("AveragePool", ["x"], ("kernel_shape", new long[] { 2, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 1, 1, 0 }), ("count_include_pad", 1));
            var ab = g.Node("Add", [a, b]);
            var cd = g.Node("Mul", [c, d]);
            var flat = g.Node("Concat", [g.Node("Flatten", [ab]), g.Node("Flatten", [cd])], ("axis", 1));
            return (g.Build(flat), [Batch, 2, 9, 9]);
        },
        ["global pools, flatten, gemm"] = () =>
        {
            var g = new GraphBuilder("x", [4, 5, 6]);
            var a = g.Node("GlobalAveragePool", ["x"]);
            var m = g.Node("GlobalMaxPool", ["x"]);
            var c = g.Node("Concat", [a, m], ("axis", 1));
            var f = g.Node("Flatten", [c], ("axis", 1));
            return (g.Build(g.Node("Gemm", [f, g.Weight("w", [3, 8]), g.Weight("b", [3])], ("transB", 1))), [Batch, 4, 5, 6]);
        },
        ["exporter shape plumbing: Shape, Gather, Unsqueeze, Concat, Reshape"] = () =>
        {
            var g = new GraphBuilder("x", [2, 3, 4]);
            var shape = g.Node("Shape", ["x"]);
            var n = g.Node("Gather", [shape, g.ConstantLongs([0], [])], ("axis", 0));
            var n1 = g.Node("Unsqueeze", [n, g.Longs("axes0", [0])]);
            var target = g.Node("Concat", [n1, g.ConstantLongs([-1])], ("axis", 0));
            var flat = g.Node("Reshape", ["x", target]);
            var again = g.Node("Reshape", [flat, g.Longs("shape2", [0, -1, 4])]);
            var t = g.Node("Transpose", [again], ("perm", new long[] { 0, 2, 1 }));
            var u = g.Node("Unsqueeze", [t, g.Longs("axes1", [1, -1])]);
            var s = g.Node("Squeeze", [u, g.Longs("axes2", [1])]);
            var f = g.Node("Flatten", [s], ("axis", 2));
            return (g.Build(f), [Batch, 2, 3, 4]);
        },
        ["cast, identity, dropout (eval), clip, slice, constant"] = () =>
        {
            var g = new GraphBuilder("x", [4, 6]);
            var d = g.Node("Cast", [g.Node("Cast", ["x"], ("to", 11))], ("to", 1));
            var i = g.Node("Identity", [d]);
            var dr = g.Node("Dropout", [i, g.Floats("ratio", [], [0.4f])]);
            var c = g.Node("Clip", [dr, g.Floats("lo", [], [-0.5f]), g.Floats("hi", [], [0.6f])]);
            var s = g.Node("Slice", [c, g.Longs("starts", [1, 1]), g.Longs("ends", [-1, 100]), g.Longs("axes", [1, 2]), g.Longs("steps", [1, 2])]);
            return (g.Build(s), [Batch, 4, 6]);
        },
        ["activations"] = () =>
        {
            var g = new GraphBuilder("x", [3, 4]);
            var a = g.Node("LeakyRelu", ["x"], ("alpha", 0.2f));
            var b = g.Node("Sigmoid", [a]);
            var c = g.Node("Tanh", ["x"]);
            var s = g.Node("Softmax", [g.Node("Add", [b, c])], ("axis", 1));
            var l = g.Node("LogSoftmax", [g.Node("Relu", [s])], ("axis", -1));
            return (g.Build(l), [Batch, 3, 4]);
        },
        ["softmax before opset 13 (coerced to 2-D)"] = () =>
        {
            var g = new GraphBuilder("x", [3, 4], opset: 11);
            var s = g.Node("Softmax", ["x"], ("axis", 1));
            var l = g.Node("LogSoftmax", ["x"]);
            return (g.Build(g.Node("Add", [s, l])), [Batch, 3, 4]);
        },
        ["layer norm written out and exact GELU: ReduceMean, Pow, Sqrt, Erf"] = () =>
        {
            var g = new GraphBuilder("x", [3, 8]);
            var mean = g.Node("ReduceMean", ["x"], ("axes", new long[] { -1 }));
            var d = g.Node("Sub", ["x", mean]);
            var v = g.Node("ReduceMean", [g.Node("Pow", [d, g.Floats("two", [], [2f])])], ("axes", new long[] { -1 }));
            var n = g.Node("Div", [d, g.Node("Sqrt", [g.Node("Add", [v, g.Floats("eps", [], [1e-5f])])])]);
            var y = g.Node("Add", [g.Node("Mul", [n, g.Weight("gamma", [8])]), g.Weight("beta", [8])]);
            var erf = g.Node("Erf", [g.Node("Div", [y, g.Floats("sqrt2", [], [1.4142135f])])]);
            var gelu = g.Node("Mul", [g.Node("Mul", [y, g.Floats("half", [], [0.5f])]), g.Node("Add", [erf, g.Floats("one", [], [1f])])]);
            var cube = g.Node("Pow", [gelu, g.Floats("three", [], [3f])]);
            var all = g.Node("ReduceMean", [cube], ("keepdims", 0));
            return (g.Build(g.Node("Add", [gelu, all])), [Batch, 3, 8]);
        },
        ["class token plumbing: ConstantOfShape, Equal, Where, Expand, integer Div"] = () =>
        {
            var g = new GraphBuilder("x", [3, 8]);
            var shape = g.Node("Shape", ["x"]);
            var batch = g.Node("Unsqueeze", [g.Node("Gather", [shape, g.ConstantLongs([0], [])], ("axis", 0)), g.Longs("axes0", [0])]);
            var wanted = g.Node("Concat", [batch, g.ConstantLongs([-1, -1])], ("axis", 0));
            var minus = g.Node("Equal", [wanted, g.ConstantLongs([-1])]);
            var ones = g.Node("ConstantOfShape", [g.ConstantLongs([3])], ("value", TensorCodec.CreateInt64("", [1], [1])));
            var target = g.Node("Where", [minus, ones, wanted]);
            var cls = g.Node("Expand", [g.Weight("cls", [1, 1, 8]), target]);
            var tokens = g.Node("Concat", [cls, "x"], ("axis", 1));
            var zeros = g.Node("ConstantOfShape", [g.Node("Shape", [tokens])]);
            var width = g.Node("Gather", [shape, g.ConstantLongs([2], [])], ("axis", 0));
            var half = g.Node("Div", [g.Node("Add", [width, g.ConstantLongs([1], [])]), g.ConstantLongs([2], [])]);
            var split = g.Node("Concat", [g.ConstantLongs([0, 0]), g.Node("Unsqueeze", [half, g.Longs("axes1", [0])]), g.ConstantLongs([-1])], ("axis", 0));
            var heads = g.Node("Reshape", [g.Node("Add", [tokens, zeros]), split]);
            return (g.Build(g.Node("Reshape", [heads, g.Longs("back", [0, 0, -1])])), [Batch, 3, 8]);
        },
        ["squeeze and unsqueeze with axes attributes (opset 11)"] = () =>
        {
            var g = new GraphBuilder("x", [3, 4], opset: 11);
            var u = g.Node("Unsqueeze", ["x"], ("axes", new long[] { 0, 3 }));
            var s = g.Node("Squeeze", [u], ("axes", new long[] { 0 }));
            return (g.Build(g.Node("Relu", [s])), [Batch, 3, 4]);
        },
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Module_equals_onnx_runtime(string name)
    {
        var (model, shape) = Cases[name]();
        Compare.AssertSame(model, Compare.RandomInput(shape), shape);
    }

    [Fact]
    public void Unsupported_operator_is_named_with_its_node()
    {
        var g = new GraphBuilder("x", [4]);
        var e = g.Node("Hardmax", [g.Node("Relu", ["x"])]);
        var model = g.Build(e);
        var ex = Assert.Throws<RecoveryException>(() => new OnnxTorchModule(model));
        Assert.Contains("operator Hardmax", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'hardmax_1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operator_from_another_domain_is_unsupported()
    {
        var g = new GraphBuilder("x", [4]);
        var r = g.Node("Relu", ["x"]);
        var model = g.Build(r);
        model.Graph.Node[0].Domain = "com.microsoft";
        var ex = Assert.Throws<RecoveryException>(() => new OnnxTorchModule(model));
        Assert.Contains("domain 'com.microsoft'", ex.Message, StringComparison.Ordinal);
    }
}
