using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>ConvTranspose with weight W [C, M/group, k...]; unit j = output channel j, in group j / (M/group).</summary>
internal sealed class ConvTransposeOp : ILayerOp
{
    public IReadOnlyList<string> OpTypes => ["ConvTranspose"];

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem) =>
        ConvWeights.Describe(node, graph, (w, group) => (int)(w.Dims[1] * group), "input channels", out problem);

    public IReadOnlyList<int> ParameterInputs(NodeProto node) => [1, 2];

    public int UnitsFromEnd(IReadOnlyList<long> weightShape, int weightInput) => weightShape.Count - 1;

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int weightInput, int unit)
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

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int weightInput, int channel)
    {
        int per = (int)(s.Skip(1).Aggregate(1L, (a, b) => a * b));
        return Enumerable.Range(channel * per, per).ToArray();
    }

    public string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int input, Channels channels) =>
        ConvWeights.Reads(node, weightShape, input, channels);

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels) =>
        flow.Fail($"they flow into ConvTranspose '{GraphIndex.DisplayName(node)}' whose weights are computed from the data, which mixes units");

    public double Macs(NodeProto node, Func<string, long[]?> shape)
    {
        var w = shape(node.Input[1]);
        var x = shape(node.Input[0]);
        return w is null || x is null ? 0 : x.Aggregate(1.0, (p, d) => p * d) * w.Skip(1).Aggregate(1.0, (p, d) => p * d);
    }
}
