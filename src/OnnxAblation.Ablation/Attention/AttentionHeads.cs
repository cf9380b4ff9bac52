namespace OnnxAblation.Ablation.Attention;

/// <summary>
/// A multi-head attention found in the graph: <see cref="HeadCount"/> heads of <see cref="HeadSize"/> channels.
/// Head h's values are units <c>ValueOffset + h·HeadSize …</c> of the value projection <see cref="ValueLayer"/> (a
/// fused Q/K/V projection or a separate V); its slice of the context, channels <c>h·HeadSize …</c> of
/// <see cref="ContextTensor"/>, is what the output projection <see cref="OutputLayer"/> reads.
/// </summary>
public sealed record AttentionHeads
{
    /// <summary>The attention's name (its Softmax node's scope), e.g. <c>/encoder/layers/encoder_layer_0/self_attention</c>.</summary>
    public required string Scope { get; init; }

    public required int HeadCount { get; init; }

    public required int HeadSize { get; init; }

    /// <summary>The layer whose units are the values (Q/K/V fused, or V alone).</summary>
    public required string ValueLayer { get; init; }

    /// <summary>Unit of <see cref="ValueLayer"/> where head 0's values start (2·E for a fused Q/K/V projection, 0 for a separate V).</summary>
    public required int ValueOffset { get; init; }

    /// <summary>The output projection, which reads the concatenated heads.</summary>
    public required string OutputLayer { get; init; }

    /// <summary>The output projection's input: the context, heads concatenated on its last axis.</summary>
    public required string ContextTensor { get; init; }

    /// <summary>Channels of the context (HeadCount · HeadSize).</summary>
    public int Width => HeadCount * HeadSize;

    /// <summary>Units of <see cref="ValueLayer"/> that hold head <paramref name="head"/>'s values.</summary>
    public int[] ValueUnits(int head) => Enumerable.Range(ValueOffset + head * HeadSize, HeadSize).ToArray();

    /// <summary>Channels of <see cref="ContextTensor"/> that hold head <paramref name="head"/>'s output.</summary>
    public int[] ContextChannels(int head) => Enumerable.Range(head * HeadSize, HeadSize).ToArray();
}
