namespace OnnxAblation.Ablation.Attention;

/// <summary>
/// A residual sub-block of a transformer: an attention (<see cref="Layer"/> = its output projection) or an MLP
/// (<see cref="Layer"/> = its second linear layer). Ablating every unit of <see cref="Layer"/> (weights and bias) makes
/// the sub-block add exactly 0 to the residual stream.
/// </summary>
public sealed record TransformerBlock(string Name, string Kind, string Layer);
