using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>Gemm: Y = alpha·A'·B' + beta·C; weight B is [K,N] or, with transB=1, [N,K]; unit j = column j of Y.</summary>
internal sealed class GemmRewriter : ILayerRewriter
{
    public string OpType => "Gemm";

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem)
    {
        problem = null;
        if (node.Input.Count < 2 || graph.InitializerOrNull(node.Input[1]) is not { } w)
        {
            problem = "its B input is not an initializer (no trained weight to rewrite)";
            return null;
        }
        if (w.Dims.Count != 2) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}, expected 2"; return null; }
        if (Attributes.Int(node, "transA", 0) != 0 && graph.IsInitializer(node.Input[0]))
        {
            problem = "A is the initializer (transA), not supported";
            return null;
        }
        int units = (int)(Attributes.Int(node, "transB", 0) != 0 ? w.Dims[0] : w.Dims[1]);
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && !graph.IsInitializer(bias)) { problem = $"bias '{bias}' is not an initializer"; return null; }
        return (w.Name, units, bias);
    }

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int unit)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return Attributes.Int(node, "transB", 0) != 0
            ? Enumerable.Range(unit * cols, cols).ToArray()            // row `unit` of [N,K]
            : Enumerable.Range(0, rows).Select(r => r * cols + unit).ToArray(); // column `unit` of [K,N]
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int feature)
    {
        if (Attributes.Int(node, "transA", 0) != 0)
            throw new InvalidOperationException($"Gemm '{node.Name}' with transA=1 reads its input transposed; outgoing weights cannot be mapped");
        int rows = (int)s[0], cols = (int)s[1];
        return Attributes.Int(node, "transB", 0) != 0
            ? Enumerable.Range(0, rows).Select(r => r * cols + feature).ToArray() // column `feature` of [N,K]
            : Enumerable.Range(feature * cols, cols).ToArray();                   // row `feature` of [K,N]
    }
}
