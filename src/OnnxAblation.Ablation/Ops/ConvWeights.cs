using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>What Conv and ConvTranspose share: a weight initializer of rank ≥ 3 whose first axis the group divides, and an optional bias initializer.</summary>
internal static class ConvWeights
{
    /// <param name="unitsOf">Unit count from the weight dims and group.</param>
    /// <param name="firstAxis">What the weight's first axis holds, for the message.</param>
    internal static (string Weight, int Units, string? Bias)? Describe(NodeProto node, GraphIndex graph, Func<TensorProto, long, int> unitsOf, string firstAxis, out string? problem)
    {
        problem = null;
        if (node.Input.Count < 2 || graph.InitializerOrNull(node.Input[1]) is not { } w)
        {
            problem = "its weight input is computed from the data, so it has no trained weight to rewrite";
            return null;
        }
        if (w.Dims.Count < 3) { problem = $"weight '{w.Name}' has rank {w.Dims.Count}"; return null; }
        long group = Attributes.Int(node, "group", 1);
        if (group <= 0 || w.Dims[0] % group != 0) { problem = $"group {group} does not divide {w.Dims[0]} {firstAxis}"; return null; }
        string? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
        if (bias is not null && !graph.IsInitializer(bias)) { problem = $"its bias '{bias}' is computed from the data, not a parameter"; return null; }
        return (w.Name, unitsOf(w, group), bias);
    }

    /// <summary>Null if a Conv/ConvTranspose can map units arriving at <paramref name="input"/> to its weights (they must be its data input's channels).</summary>
    internal static string? Reads(NodeProto node, IReadOnlyList<long> weightShape, int input, Channels channels) =>
        input != 0 ? $"they are the weight or bias operand of {node.OpType} '{GraphIndex.DisplayName(node)}'"
        : channels.FromEnd != weightShape.Count - 1 ? $"{node.OpType} '{GraphIndex.DisplayName(node)}' does not read them as its input channels"
        : null;
}
