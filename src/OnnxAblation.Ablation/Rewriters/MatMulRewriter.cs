using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>MatMul X·W with a 2-D weight initializer W [K,N]; unit j = column j. A following Add of a [N] constant is its bias.</summary>
internal sealed class MatMulRewriter : ILayerRewriter
{
    public string OpType => "MatMul";

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem)
    {
        problem = null;
        if (graph.InitializerOrNull(node.Input[1]) is not { } w)
        {
            problem = graph.IsInitializer(node.Input[0]) ? "the weight is the left operand, not supported" : "neither operand is a weight initializer";
            return null;
        }
        if (w.Dims.Count != 2) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}; only 2-D MatMul weights are supported"; return null; }
        return (w.Name, (int)w.Dims[1], null);
    }

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int unit)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return Enumerable.Range(0, rows).Select(r => r * cols + unit).ToArray();
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int feature) =>
        Enumerable.Range(feature * (int)s[1], (int)s[1]).ToArray();
}
