using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;

namespace OnnxAblation.Ablation.Rewriters;

/// <summary>
/// What one op type needs to know to ablate its units: recognise the node as a layer, and map a unit
/// (output neuron/channel) or an input feature to flat indices of the weight tensor.
/// </summary>
internal interface ILayerRewriter
{
    string OpType { get; }

    /// <summary>Weight initializer name and unit count, or a reason the node is not an ablatable layer.</summary>
    (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, out string? problem);

    /// <summary>Flat indices of the weights that feed unit <paramref name="unit"/>.</summary>
    int[] Incoming(NodeProto node, IReadOnlyList<long> weightShape, int unit);

    /// <summary>Flat indices of the weights that read input feature/channel <paramref name="feature"/> (outgoing weights of an upstream unit).</summary>
    int[] ReadingInput(NodeProto node, IReadOnlyList<long> weightShape, int feature);
}
