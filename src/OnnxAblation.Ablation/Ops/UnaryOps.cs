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

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        if (input == 0) flow.Continue(node.Output[0], channels);
        else flow.Fail($"they are a parameter input of {node.OpType} '{GraphIndex.DisplayName(node)}', which applies them to every channel");
    }
}
