using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Gemm: Y = alpha·A'·B' + beta·C; weight B is [K,N] or, with transB=1, [N,K]; unit j = column j of Y.</summary>
internal sealed class GemmOp : ILayerOp
{
    public IReadOnlyList<string> OpTypes => ["Gemm"];

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem)
    {
        problem = null;
        if (node.Input.Count < 2 || graph.InitializerOrNull(node.Input[1]) is not { } w)
        {
            problem = "its B input is computed from the data, so it has no trained weight to rewrite";
            return null;
        }
        if (w.Dims.Count != 2) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}, expected 2"; return null; }
        if (Attributes.Int(node, "transA", 0) != 0)
        {
            problem = "it reads its data input transposed (transA=1), so its units cannot be mapped to upstream features";
            return null;
        }
        int units = (int)(Attributes.Int(node, "transB", 0) != 0 ? w.Dims[0] : w.Dims[1]);
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && !graph.IsInitializer(bias)) { problem = $"its bias '{bias}' is computed from the data, not a parameter"; return null; }
        return (w.Name, units, bias);
    }

    public IReadOnlyList<int> ParameterInputs(NodeProto node) => [0, 1, 2];

    public int UnitsFromEnd(IReadOnlyList<long> weightShape, int weightInput) => 1;

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int weightInput, int unit)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return Attributes.Int(node, "transB", 0) != 0
            ? Enumerable.Range(unit * cols, cols).ToArray()            // row `unit` of [N,K]
            : Enumerable.Range(0, rows).Select(r => r * cols + unit).ToArray(); // column `unit` of [K,N]
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int weightInput, int feature)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return Attributes.Int(node, "transB", 0) != 0
            ? Enumerable.Range(0, rows).Select(r => r * cols + feature).ToArray() // column `feature` of [N,K]
            : Enumerable.Range(feature * cols, cols).ToArray();                   // row `feature` of [K,N]
    }

    public string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int input, Channels channels) =>
        input != 0 ? $"they are the weight operand of Gemm '{GraphIndex.DisplayName(node)}'"
        : channels.FromEnd != 1 ? $"Gemm '{GraphIndex.DisplayName(node)}' reads them on an axis other than its features"
        : null;

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels) =>
        flow.Fail($"they flow into Gemm '{GraphIndex.DisplayName(node)}' whose weights are computed from the data, which mixes units");

    public double Macs(NodeProto node, Func<string, long[]?> shape)
    {
        var a = shape(node.Input[0]);
        var y = shape(node.Output[0]);
        if (a is null || y is null || a.Length != 2) return 0;
        return y.Aggregate(1.0, (p, d) => p * d) * (Attributes.Int(node, "transA", 0) != 0 ? a[0] : a[1]);
    }
}
