using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Reductions: over the units' axis they mix units; over other axes units stay (their axis moves if reduced axes after it are dropped).</summary>
internal sealed class ReduceOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes =>
        ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        string name = GraphIndex.DisplayName(node);
        if (input != 0) { flow.Fail($"they are the axes of {node.OpType} '{name}'"); return; }
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        long[]? axes = Attributes.Ints(node, "axes");
        if (axes is null && node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            axes = flow.Integers(node.Input[1]);
            if (axes is null) { flow.Fail($"{node.OpType} '{name}' has axes computed from the data"); return; }
        }
        int channelAxis = channels.Axis(x.Length);
        var reduced = (axes is { Length: > 0 } ? axes : Enumerable.Range(0, x.Length).Select(i => (long)i)).Select(a => a < 0 ? a + x.Length : a).ToHashSet();
        if (reduced.Contains(channelAxis)) { flow.Fail($"they flow into {node.OpType} '{name}', which reduces over the axis that holds them (mixes units)"); return; }
        bool keep = Attributes.Int(node, "keepdims", 1) != 0;
        int dropped = keep ? 0 : reduced.Count(a => a > channelAxis);
        flow.Continue(node.Output[0], channels.On(channels.FromEnd - dropped));
    }
}
