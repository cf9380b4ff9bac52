using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Gather with constant indices: along the units' axis a 1-D index list picks (and may repeat) them; along another
/// axis (a ViT taking its class token) they stay on their axis, which moves by the indices' rank.
/// </summary>
internal sealed class GatherOp : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Gather"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        string name = GraphIndex.DisplayName(node);
        if (input != 0) { flow.Fail($"they are the indices of Gather '{name}'"); return; }
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        if (flow.Integers(node.Input[1]) is not { } values || flow.Shape(node.Input[1]) is not { } idxShape) { flow.Fail($"Gather '{name}' has indices computed from the data"); return; }
        long axis = Attributes.Int(node, "axis", 0);
        if (axis < 0) axis += x.Length;
        int channelAxis = channels.Axis(x.Length);
        int q = idxShape.Length;
        if (axis < channelAxis) { flow.Continue(node.Output[0], channels); return; }
        if (axis > channelAxis) { flow.Continue(node.Output[0], channels.On(channels.FromEnd + q - 1)); return; }
        if (q != 1) { flow.Fail($"Gather '{name}' takes {(q == 0 ? "a single index" : $"a {q}-D index")} of the axis that holds them"); return; }
        var picks = values.Select(i => (int)(i < 0 ? i + x[axis] : i)).ToArray();
        var kept = channels.Map(f => Enumerable.Range(0, picks.Length).Where(p => picks[p] == f));
        if (!kept.IsEmpty) flow.Continue(node.Output[0], kept);
    }
}
