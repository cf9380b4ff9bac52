using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Softmax, LogSoftmax, Hardmax and the arg-ops: over the units' axis they mix units, which is fine where their
/// output is a model output (a classifier's final Softmax); over another axis (attention weights) units stay.
/// </summary>
internal sealed class SoftmaxOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Softmax", "LogSoftmax", "Hardmax", "ArgMax", "ArgMin", "TopK"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        if (ReachesOutput(flow.Graph, node.Output[0])) { flow.ReachOutput(); return; }
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        bool old = node.OpType is "Softmax" or "LogSoftmax" or "Hardmax" && OpsetBelow13(flow.Graph);
        long axis = Attributes.Int(node, "axis", old ? 1 : node.OpType is "ArgMax" or "ArgMin" or "TopK" ? 0 : -1);
        if (axis < 0) axis += x.Length;
        int channelAxis = channels.Axis(x.Length);
        // Before opset 13 the input is coerced to 2-D at `axis`: every axis from there on is mixed.
        bool mixes = old ? channelAxis >= axis : channelAxis == axis;
        if (mixes || node.OpType is "ArgMax" or "ArgMin" or "TopK")
            flow.Fail($"they flow into {node.OpType} '{GraphIndex.DisplayName(node)}', which mixes units");
        else flow.Continue(node.Output[0], channels);
    }

    private static bool ReachesOutput(GraphIndex g, string tensor) =>
        g.IsGraphOutput(tensor) || g.Consumers(tensor).Select(g.Node).Any(n => n.OpType is "Identity" or "Cast" && ReachesOutput(g, n.Output[0]));

    private static bool OpsetBelow13(GraphIndex g) => g.Opset < 13;
}
