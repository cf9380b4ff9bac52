using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Conv with weight W [M, C/group, k...]; unit j = output channel j (filter W[j]). Grouped and depthwise too.</summary>
internal sealed class ConvOp : ILayerOp
{
    public IReadOnlyList<string> OpTypes => ["Conv"];

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem) =>
        ConvWeights.Describe(node, graph, (w, _) => (int)w.Dims[0], "output channels", out problem);

    public IReadOnlyList<int> ParameterInputs(NodeProto node) => [1, 2];

    public int UnitsFromEnd(IReadOnlyList<long> weightShape, int weightInput) => weightShape.Count - 1;

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int weightInput, int unit)
    {
        int per = (int)(s.Skip(1).Aggregate(1L, (a, b) => a * b));
        return Enumerable.Range(unit * per, per).ToArray();
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int weightInput, int channel)
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

    public string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int input, Channels channels) =>
        ConvWeights.Reads(node, weightShape, input, channels);

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels) =>
        flow.Fail($"they flow into Conv '{GraphIndex.DisplayName(node)}' whose weights are computed from the data, which mixes units");

    public double Macs(NodeProto node, Func<string, long[]?> shape)
    {
        var w = shape(node.Input[1]);
        var y = shape(node.Output[0]);
        return w is null || y is null ? 0 : y.Aggregate(1.0, (p, d) => p * d) * w.Skip(1).Aggregate(1.0, (p, d) => p * d);
    }
}
