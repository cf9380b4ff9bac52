using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>LayerNormalization and GroupNormalization normalise over several channels together: over the units' axis they mix units.</summary>
internal sealed class NormalizationOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["LayerNormalization", "GroupNormalization", "MeanVarianceNormalization"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        long axis = Attributes.Int(node, "axis", -1);
        if (axis < 0) axis += x.Length;
        if (input == 0 && node.OpType == "LayerNormalization" && channels.Axis(x.Length) < axis)
            flow.Continue(node.Output[0], channels);
        else flow.Fail($"they flow into {node.OpType} '{GraphIndex.DisplayName(node)}', which normalises over the axis that holds them (mixes units)");
    }
}
