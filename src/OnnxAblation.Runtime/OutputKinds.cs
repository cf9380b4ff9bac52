using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// Reads the <see cref="OutputKind"/> from the ops that produce the first graph output: a Softmax/LogSoftmax, a
/// Gemm/MatMul (with its bias Add) or a classifier convolution (pooled or not, as SqueezeNet ends) make class scores;
/// anything else (a backbone's pooled residual features, an activation, a Concat) is <see cref="OutputKind.Features"/>.
/// </summary>
public static class OutputKinds
{
    private static readonly HashSet<string> Reshaping = new(StringComparer.Ordinal) { "Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Cast", "Dropout" };

    private static readonly HashSet<string> Pooling = new(StringComparer.Ordinal) { "GlobalAveragePool", "GlobalMaxPool", "AveragePool", "MaxPool", "ReduceMean", "ReduceMax" };

    public static OutputKind Of(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Index();
        var node = Skip(g, model.Graph.Output[0].Name, Reshaping);
        if (node is null) return OutputKind.Features;
        switch (node.OpType)
        {
            case "LogSoftmax": return OutputKind.LogProbabilities;
            case "Softmax": return OutputKind.Probabilities;
        }
        if (IsClassifier(g, node)) return OutputKind.Logits;
        if (Pooling.Contains(node.OpType) && Skip(g, node.Input[0], ["Relu", "Identity", "Dropout"]) is { OpType: "Conv" } conv && IsClassifier(g, conv))
            return OutputKind.Logits;
        return OutputKind.Features;
    }

    /// <summary>Why the output is not class scores (for messages).</summary>
    public static string Describe(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Index();
        string name = model.Graph.Output[0].Name;
        var node = Skip(g, name, Reshaping);
        return node is null
            ? $"the model output '{name}' is not computed by any node"
            : $"the model output '{name}' comes from {node.OpType} '{GraphIndex.DisplayName(node)}', not from a classifier (Gemm/MatMul, a classifier Conv, Softmax or LogSoftmax), so it holds features rather than class scores";
    }

    private static bool IsClassifier(GraphIndex g, NodeProto node) => node.OpType switch
    {
        "Gemm" or "MatMul" or "Conv" => true,
        "Add" or "Sub" => node.Input.Any(i => g.Producer(i) is int p and >= 0 && g.Node(p).OpType is "Gemm" or "MatMul" or "Conv") && node.Input.Any(g.IsConstant),
        _ => false,
    };

    private static NodeProto? Skip(GraphIndex g, string tensor, IReadOnlyCollection<string> through)
    {
        int p = g.Producer(tensor);
        while (p >= 0 && through.Contains(g.Node(p).OpType)) p = g.Producer(g.Node(p).Input[0]);
        return p < 0 ? null : g.Node(p);
    }
}
