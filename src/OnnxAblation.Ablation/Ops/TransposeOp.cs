using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Transpose: the units' axis moves to where the permutation puts it.</summary>
internal sealed class TransposeOp : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Transpose"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        var perm = Attributes.Ints(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
        int to = Array.IndexOf(perm, (long)channels.Axis(x.Length));
        if (to < 0) { flow.Fail($"Transpose '{GraphIndex.DisplayName(node)}' has a permutation without the axis that holds them"); return; }
        flow.Continue(node.Output[0], channels.On(perm.Length - to));
    }
}
