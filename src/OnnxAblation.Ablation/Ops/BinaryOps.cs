using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Element-wise ops of several inputs with broadcasting (Add, Sub, Mul, Div, n-ary Sum/Max/Min/Mean): positions
/// are kept, and broadcasting aligns axes from the end, so units keep their channels. With a per-channel constant
/// (BatchNorm written as Mul + Add) nothing else changes; with another activation added (a residual Add, Sum) the
/// channel then also carries another layer's values (merged); a multiplying activation (a squeeze-excitation gate,
/// the x·Φ(x) of a GELU) only scales it.
/// </summary>
internal sealed class BinaryOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean"];

    /// <summary>A constant operand (a per-channel scale or shift: BatchNorm written as Mul + Add, a bias Add) is a parameter; recovery does not train it.</summary>
    public IReadOnlyList<int> ParameterInputs(NodeProto node) => node.OpType is "Add" or "Sub" or "Mul" or "Div" && node.Input.Count == 2 ? [0, 1] : [];

    public IReadOnlyList<int> TrainableInputs(NodeProto node) => [];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        bool othersConstant = node.Input.Where((t, i) => i != input && t != node.Input[input] && t.Length > 0).All(flow.Graph.IsConstant);
        bool scales = node.OpType is "Mul" or "Div";
        flow.Continue(node.Output[0], channels, merged: !othersConstant && !scales);
    }
}
