using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Concat: along the units' axis they move by the sizes of the inputs before theirs; along another axis (a ViT's class token) they stay.</summary>
internal sealed class ConcatOp : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Concat"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        var x = flow.Shape(node.Input[input]);
        if (x is null) return;
        long axis = Attributes.Int(node, "axis", 1);
        if (axis < 0) axis += x.Length;
        if (axis != channels.Axis(x.Length)) { flow.Continue(node.Output[0], channels); return; }
        int before = 0;
        for (int i = 0; i < input; i++)
        {
            var s = flow.Shape(node.Input[i]);
            if (s is null) return;
            before += (int)s[axis];
        }
        flow.Continue(node.Output[0], channels.Map(f => [f + before]));
    }
}
