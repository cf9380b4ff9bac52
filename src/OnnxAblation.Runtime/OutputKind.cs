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

    /// <summary>Not class scores (pooled features of a backbone, an embedding, a regression): accuracy cannot be computed.</summary>
    Features,
}
