using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>Conv with weight W [M, C/group, k...]; unit j = output channel j (filter W[j]). Grouped and depthwise too.</summary>
internal sealed class ConvRewriter : ILayerRewriter
{
    public string OpType => "Conv";

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem) =>
        ConvWeights.Describe(node, graph, (w, _) => (int)w.Dims[0], "output channels", out problem);

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
