using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>ConvTranspose with weight W [C, M/group, k...]; unit j = output channel j, in group j / (M/group).</summary>
internal sealed class ConvTransposeRewriter : ILayerRewriter
{
    public string OpType => "ConvTranspose";

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
        if (group <= 0 || w.Dims[0] % group != 0) { problem = $"group {group} does not divide {w.Dims[0]} input channels"; return null; }
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && !graph.IsInitializer(bias)) { problem = $"bias '{bias}' is not an initializer"; return null; }
        return (w.Name, (int)(w.Dims[1] * group), bias);
    }

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int unit)
    {
        int c = (int)s[0], mg = (int)s[1];
        int k = (int)s.Skip(2).Aggregate(1L, (a, b) => a * b);
        int group = (int)Attributes.Int(node, "group", 1);
        int cg = c / group, g = unit / mg, o = unit % mg;
        var idx = new List<int>(cg * k);
        for (int i = g * cg; i < (g + 1) * cg; i++)
            for (int t = 0; t < k; t++) idx.Add((i * mg + o) * k + t);
        return idx.ToArray();
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int channel)
    {
        int per = (int)(s.Skip(1).Aggregate(1L, (a, b) => a * b));
        return Enumerable.Range(channel * per, per).ToArray();
    }
}
