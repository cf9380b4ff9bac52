using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>What the model's first output holds, which decides how the loss is computed.</summary>
public enum OutputKind
{
    /// <summary>Unnormalised scores: loss = −log softmax(x)[y].</summary>
    Logits,

    /// <summary>Log-probabilities (LogSoftmax): the same formula is exact since log softmax is idempotent on them.</summary>
    LogProbabilities,

    /// <summary>Probabilities (Softmax): loss = −log p[y].</summary>
    Probabilities,
}

/// <summary>Reads the <see cref="OutputKind"/> from the op that produces the first graph output.</summary>
public static class OutputKinds
{
    public static OutputKind Of(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var index = model.Index();
        string output = model.Graph.Output[0].Name;
        int p = index.Producer(output);
        while (p >= 0 && model.Graph.Node[p].OpType is "Identity")
            p = index.Producer(model.Graph.Node[p].Input[0]);
        return p < 0 ? OutputKind.Logits : model.Graph.Node[p].OpType switch
        {
            "LogSoftmax" => OutputKind.LogProbabilities,
            "Softmax" => OutputKind.Probabilities,
            _ => OutputKind.Logits,
        };
    }
}
