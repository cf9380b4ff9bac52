using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>Conv with weight W [M, C/group, k...]; unit j = output channel j (filter W[j]). Grouped and depthwise too.</summary>
internal sealed class ConvRewriter : ILayerRewriter
{
    public string OpType => "Conv";

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem)
    {
        problem = null;
        if (node.Input.Count < 2 || graph.InitializerOrNull(node.Input[1]) is not { } w)
        {
            problem = "its weight input is not an initializer";
            return null;
        }
        if (w.Dims.Count < 3) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}"; return null; }
        long group = Attributes.Int(node, "group", 1);
        if (group <= 0 || w.Dims[0] % group != 0) { problem = $"group {group} does not divide {w.Dims[0]} output channels"; return null; }
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && !graph.IsInitializer(bias)) { problem = $"bias '{bias}' is not an initializer"; return null; }
        return (w.Name, (int)w.Dims[0], bias);
    }

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int unit)
    {
        int per = (int)(s.Skip(1).Aggregate(1L, (a, b) => a * b));
        return Enumerable.Range(unit * per, per).ToArray();
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int channel)
    {
        int m = (int)s[0], cg = (int)s[1];
        int k = (int)s.Skip(2).Aggregate(1L, (a, b) => a * b);
        int group = (int)Attributes.Int(node, "group", 1);
        int g = channel / cg, mg = m / group, c = channel % cg;
        var idx = new List<int>(mg * k);
        for (int o = g * mg; o < (g + 1) * mg; o++)
            for (int t = 0; t < k; t++) idx.Add((o * cg + c) * k + t);
        return idx.ToArray();
    }
}
