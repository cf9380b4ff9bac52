using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>What the op registry says about a node's parameter inputs, for the projects outside the engine's core (recovery training).</summary>
public static class OpParameters
{
    /// <summary>Inputs of <paramref name="node"/> that training may learn when they are initializers.</summary>
    public static IReadOnlyList<int> Trainable(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return OpRegistry.For(node.OpType)?.TrainableInputs(node) ?? [];
    }

    /// <summary>Inputs of <paramref name="node"/> that hold parameters an ablation may rewrite.</summary>
    public static IReadOnlyList<int> Rewritable(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return OpRegistry.For(node.OpType)?.ParameterInputs(node) ?? [];
    }
}
