using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// MatMul X·W with a 2-D weight initializer W [K,N] (a weight behind Transpose/Reshape/Cast has been folded into
/// one); unit j = column j. A following Add of a [N] constant is its bias. With the weight as the left operand,
/// W·X with W [M,K], unit i = row i of the output (axis −2). A MatMul of two activations (attention)
/// keeps the units of an operand's non-contracted axes and mixes those on the contracted axis.
/// </summary>
internal sealed class MatMulOp : ILayerOp
{
    public IReadOnlyList<string> OpTypes => ["MatMul"];

    public (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem)
    {
        problem = null;
        var w = graph.InitializerOrNull(node.Input[1]);
        bool left = w is null && graph.InitializerOrNull(node.Input[0]) is not null;
        if (left) w = graph.InitializerOrNull(node.Input[0]);
        if (w is null) return null; // a product of two activations (attention): not a layer, no problem to report
        if (w.Dims.Count != 2) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}; only 2-D MatMul weights carry units"; return null; }
        return (w.Name, (int)(left ? w.Dims[0] : w.Dims[1]), null);
    }

    public IReadOnlyList<int> ParameterInputs(NodeProto node) => [0, 1];

    // Right weight, X·W with W [K,N]: unit j = column j (last axis of Y). Left weight, W·X with W [M,K]: unit i = row i (axis −2 of Y).
    public int UnitsFromEnd(IReadOnlyList<long> weightShape, int weightInput) => weightInput == 0 ? 2 : 1;

    public int[] Incoming(NodeProto node, IReadOnlyList<long> s, int weightInput, int unit)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return weightInput == 0
            ? Enumerable.Range(unit * cols, cols).ToArray()                     // row `unit` of [M,K]
            : Enumerable.Range(0, rows).Select(r => r * cols + unit).ToArray(); // column `unit` of [K,N]
    }

    public int[] ReadingInput(NodeProto node, IReadOnlyList<long> s, int weightInput, int feature)
    {
        int rows = (int)s[0], cols = (int)s[1];
        return weightInput == 0
            ? Enumerable.Range(0, rows).Select(r => r * cols + feature).ToArray() // column `feature` of [M,K]
            : Enumerable.Range(feature * cols, cols).ToArray();                   // row `feature` of [K,N]
    }

    public string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int input, Channels channels) =>
        input == weightInput ? $"they are the weight operand of MatMul '{GraphIndex.DisplayName(node)}'"
        : channels.FromEnd != (weightInput == 0 ? 2 : 1) ? $"MatMul '{GraphIndex.DisplayName(node)}' contracts another axis than the one holding them"
        : null;

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        // Y = A·B: A's last axis and B's axis −2 are contracted; every other axis of A or B survives in Y.
        bool contracted = input == 0 ? channels.FromEnd == 1 : channels.FromEnd == 2;
        if (contracted)
            flow.Fail($"they are contracted by MatMul '{GraphIndex.DisplayName(node)}' of two activations (e.g. attention), which mixes units");
        else if (input == 0 && channels.FromEnd == 2 || input == 1 && channels.FromEnd == 1 || channels.FromEnd > 2)
            flow.Continue(node.Output[0], channels);
        else flow.Fail($"MatMul '{GraphIndex.DisplayName(node)}' moves the axis that holds them");
    }

    public double Macs(NodeProto node, Func<string, long[]?> shape)
    {
        var a = shape(node.Input[0]);
        var y = shape(node.Output[0]);
        return a is null || y is null || a.Length == 0 ? 0 : y.Aggregate(1.0, (p, d) => p * d) * a[^1];
    }
}
