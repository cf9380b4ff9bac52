namespace OnnxAblation.Ablation.Store;

/// <summary>What a store's results belong to; a store is refused for another model or data set.</summary>
public sealed record StoreMetadata
{
    public required string ModelSha256 { get; init; }

    public required string ModelPath { get; init; }

    public required string DataSpec { get; init; }

    public required int Samples { get; init; }

    public required int Classes { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Labels of the evaluated samples (so exports can compute flips and class counts).</summary>
    public required int[] Labels { get; init; }

    public int Seed { get; init; }

    /// <summary>Free-form: engine and ONNX Runtime versions, command line, shard.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
