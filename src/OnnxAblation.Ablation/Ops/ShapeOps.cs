using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Shape and Size read only a tensor's dimensions: the units' values stop mattering there.</summary>
internal sealed class ShapeOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Shape", "Size"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels) { }
}
