namespace OnnxAblation.Ablation.Units;

/// <summary>Elements of one initializer, by flat (row-major) index: what a rewrite touches.</summary>
public sealed record TensorSlice(string Tensor, int[] Indices);
