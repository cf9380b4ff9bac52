using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Split: along the units' axis each output takes a range of them (re-indexed from 0); along another axis every output has them all.</summary>
internal sealed class SplitOp : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Split"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        if (input != 0) { flow.Fail($"they are the split sizes of Split '{GraphIndex.DisplayName(node)}'"); return; }
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        long axis = Attributes.Int(node, "axis", 0);
        if (axis < 0) axis += x.Length;
        bool along = axis == channels.Axis(x.Length);
        int start = 0;
        foreach (var output in node.Output)
        {
            if (output.Length == 0) continue;
            var y = flow.Shape(output);
            if (y is null) return;
            if (!along) { flow.Continue(output, channels); continue; }
            int from = start, size = (int)y[axis];
            var part = channels.Map(f => f >= from && f < from + size ? [f - from] : []);
            if (!part.IsEmpty) flow.Continue(output, part);
            start += size;
        }
    }
}
