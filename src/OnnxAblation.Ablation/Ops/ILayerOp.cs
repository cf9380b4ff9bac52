using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// An op whose nodes can carry units (a layer): recognise the node as a layer, map a unit (output neuron or
/// channel) or an input feature to flat indices of its weight tensor, and say whether it can read units arriving
/// at its data input.
/// </summary>
internal interface ILayerOp : IOpHandler
{
    /// <summary>Weight initializer name and unit count, or a reason the node is not an ablatable layer.</summary>
    (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem);

    // weightInput: which input of the node holds the weight (1, or 0 for a MatMul whose weight is the left operand).

    /// <summary>Where the units are in the node's output (counted from the end: 1 for [.., N], rank − 1 for NCHW).</summary>
    int UnitsFromEnd(IReadOnlyList<long> weightShape, int weightInput);

    /// <summary>Flat indices of the weights that feed unit <paramref name="unit"/>.</summary>
    int[] Incoming(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int unit);

    /// <summary>Flat indices of the weights that read input feature/channel <paramref name="feature"/> (outgoing weights of an upstream unit).</summary>
    int[] ReadingInput(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int feature);

    /// <summary>Null if the layer's weights can be mapped to upstream units arriving as <paramref name="channels"/> at input <paramref name="input"/>, else why not.</summary>
    string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int weightInput, int input, Channels channels);
}
