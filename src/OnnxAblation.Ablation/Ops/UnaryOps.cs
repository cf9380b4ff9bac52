using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Element-wise ops of one data input (activations, Dropout, Identity, Cast, Erf of an Erf-GELU, …): every value
/// stays where it is, so units keep their channels. Their other inputs (Clip's bounds, PRelu's slope, Pow's
/// exponent) are parameters; units arriving there are mixed into every channel.
/// </summary>
internal sealed class UnaryOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes =>
    [
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
        "Softplus", "Softsign", "Gelu", "Mish", "ThresholdedRelu", "Dropout", "Identity", "Cast", "CastLike", "Erf",
        "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Pow",
    ];

    /// <summary>The ones that map 0 to 0 (ThresholdedRelu: to 0 for any alpha; Clip: where its range holds 0).</summary>
    private static readonly HashSet<string> ZeroToZero = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Tanh", "Elu", "Selu", "Celu", "HardSwish", "Softsign", "Gelu", "Mish",
        "ThresholdedRelu", "Dropout", "Identity", "Erf", "Abs", "Neg", "Sqrt", "Floor", "Ceil", "Round", "Sign", "Sin",
    };

    public bool KeepsZeroChannels(NodeProto node, GraphIndex graph)
    {
        if (node.OpType != "Clip") return ZeroToZero.Contains(node.OpType);
        float? Bound(int input, string attribute)
        {
            if (node.Input.Count > input && node.Input[input].Length > 0)
                return graph.ConstantOrNull(node.Input[input]) is { } t && Onnx.TensorCodec.ToFloats(t) is [float v] ? v : float.NaN;
            return node.Attribute.Any(a => a.Name == attribute) ? Attributes.Float(node, attribute, 0) : null;
        }
        float? min = Bound(1, "min"), max = Bound(2, "max");
        return (min is null || min <= 0) && (max is null || max >= 0); // NaN (a bound computed from the data) fails both
    }

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        if (input == 0) flow.Continue(node.Output[0], channels);
        else flow.Fail($"they are a parameter input of {node.OpType} '{GraphIndex.DisplayName(node)}', which applies them to every channel");
    }
}
