using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Ops that work on each channel alone (pooling, Resize/Upsample, Pad, LRN's own channel, per-channel
/// normalisation): channel c of the output is made from channel c of the input, so units keep their channels.
/// Checked by the shapes: an op that changes the channel count is not followed.
/// </summary>
internal sealed class SpatialOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes =>
    [
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "LRN", "Resize",
        "Upsample", "Pad", "BatchNormalization", "InstanceNormalization", "MaxRoiPool",
    ];

    public IReadOnlyList<int> ParameterInputs(NodeProto node) => node.OpType switch
    {
        "BatchNormalization" => [1, 2, 3, 4],
        "InstanceNormalization" => [1, 2],
        _ => [],
    };

    public IReadOnlyList<int> TrainableInputs(NodeProto node) => node.OpType is "BatchNormalization" or "InstanceNormalization" ? [1, 2] : [];

    /// <summary>
    /// Pooling and resizing make an all-zero channel zero; Pad does unless it pads with a non-zero constant or pads the
    /// channel axis. Normalisations shift zero; LRN mixes neighbouring channels.
    /// </summary>
    public bool KeepsZeroChannels(NodeProto node, GraphIndex graph)
    {
        switch (node.OpType)
        {
            case "MaxPool" or "AveragePool" or "LpPool" or "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" or "Resize" or "Upsample":
                return true;
            case "Pad":
                if ((Attributes.Text(node, "mode") ?? "constant") == "constant")
                {
                    float value = node.Input.Count > 2 && node.Input[2].Length > 0
                        ? graph.ConstantOrNull(node.Input[2]) is { } v && Onnx.TensorCodec.ToFloats(v) is [float x] ? x : float.NaN
                        : Attributes.Float(node, "value", 0);
                    if (value != 0) return false;
                }
                long[]? pads = Attributes.Ints(node, "pads");
                if (pads is null && node.Input.Count > 1 && graph.ConstantOrNull(node.Input[1]) is { } p) pads = Onnx.TensorCodec.ToInt64(p);
                bool axes = node.Input.Count > 3 && node.Input[3].Length > 0;
                return pads is { Length: >= 4 } && !axes && pads[1] == 0 && pads[pads.Length / 2 + 1] == 0;
            default:
                return false;
        }
    }

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        string name = GraphIndex.DisplayName(node);
        if (input != 0) { flow.Fail($"they are a parameter input of {node.OpType} '{name}'"); return; }
        var x = flow.Shape(node.Input[0]);
        var y = flow.Shape(node.Output[0]);
        if (x is null || y is null) return;
        if (x.Length != y.Length || channels.FromEnd > x.Length || x[channels.Axis(x.Length)] != y[channels.Axis(y.Length)])
        {
            flow.Fail($"{node.OpType} '{name}' changes the axis that holds them ([{string.Join(",", x)}] → [{string.Join(",", y)}])");
            return;
        }
        if (node.OpType == "Pad" && PadsBefore(flow.Graph, node, x.Length, channels.Axis(x.Length)) is long before and not 0)
        {
            flow.Fail($"Pad '{name}' pads the axis that holds them by {before}");
            return;
        }
        flow.Continue(node.Output[0], channels);
    }

    /// <summary>Padding added before index 0 of <paramref name="axis"/> (attribute before opset 11, constant input after).</summary>
    private static long? PadsBefore(GraphIndex g, NodeProto node, int rank, int axis)
    {
        long[]? pads = Attributes.Ints(node, "pads");
        if (pads is null && node.Input.Count > 1 && g.ConstantOrNull(node.Input[1]) is { } t) pads = Onnx.TensorCodec.ToInt64(t);
        if (pads is null || pads.Length != 2 * rank) return null;
        long[]? axes = node.Input.Count > 3 && node.Input[3].Length > 0 && g.ConstantOrNull(node.Input[3]) is { } a ? Onnx.TensorCodec.ToInt64(a) : null;
        if (axes is not null) return null; // opset 18 axes input: counts are per listed axis; the shape check above decides
        return pads[axis];
    }
}
