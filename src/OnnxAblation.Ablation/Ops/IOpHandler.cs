using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Everything the engine knows about one op type or family: how a layer's units, arriving at one of the node's
/// inputs, appear at its outputs (unit following for zero-out, coupling and the layer's role), and what the node
/// costs. <see cref="OpRegistry"/> holds one handler per op type; adding an op is one file.
/// </summary>
internal interface IOpHandler
{
    IReadOnlyList<string> OpTypes { get; }

    /// <summary>
    /// Units arrive at input <paramref name="input"/> of <paramref name="node"/> as <paramref name="channels"/>: call
    /// <see cref="IUnitFlow.Continue"/> for each output they reach, <see cref="IUnitFlow.Fail"/> with the reason if the
    /// node mixes them, or nothing if their values stop mattering (Shape reads only the shape).
    /// </summary>
    void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels);

    /// <summary>
    /// Inputs that hold parameters (weights, biases, normalisation constants) when they are constants: what an
    /// ablation may rewrite, so discovery gives each its own initializer.
    /// </summary>
    IReadOnlyList<int> ParameterInputs(NodeProto node) => [];

    /// <summary>Inputs that recovery training may learn (BatchNorm's running statistics are parameters, not learned).</summary>
    IReadOnlyList<int> TrainableInputs(NodeProto node) => ParameterInputs(node);

    /// <summary>
    /// Whether a channel that is zero everywhere at input 0 stays zero at the output, each output channel being made
    /// from its own input channel alone (ReLU, pooling; not BatchNorm, whose shift makes zero non-zero, nor Sigmoid).
    /// The graph cut's linear update relies on it between a layer's unit tensor and its linear consumer.
    /// </summary>
    bool KeepsZeroChannels(NodeProto node, GraphIndex graph) => false;

    /// <summary>Multiply-accumulates of the node for the probed batch (0 for ops whose cost is negligible).</summary>
    double Macs(NodeProto node, Func<string, long[]?> shape) => 0;
}
