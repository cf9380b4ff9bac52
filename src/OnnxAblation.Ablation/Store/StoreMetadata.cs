namespace OnnxAblation.Ablation.Store;

/// <summary>What a store's results belong to; a store is refused for another model or data set.</summary>
public sealed record StoreMetadata
{
    public required string ModelSha256 { get; init; }

    public required string ModelPath { get; init; }

    /// <summary>The data spec as given (without the limit).</summary>
    public required string DataSpec { get; init; }

    /// <summary>The --limit the run used (its first N samples), or null for all of the spec's samples.</summary>
    public int? DataLimit { get; init; }

    /// <summary>The data as shown to people (reports, exports): <see cref="DescribeData"/>.</summary>
    public string DataText => DescribeData(DataSpec, DataLimit);

    /// <summary>A data spec and limit as shown to people: the spec, then " (first N)" when limited.</summary>
    public static string DescribeData(string spec, int? limit) =>
        spec + (limit is int n ? " (first " + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")" : "");

    public required int Samples { get; init; }

    public required int Classes { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Labels of the evaluated samples (so exports can compute flips and class counts).</summary>
    public required int[] Labels { get; init; }

    public int Seed { get; init; }

    /// <summary>
    /// The adaptive sampling of the study's ablations (<c>AdaptiveSampling.Identity</c>: half-width, interval, slices,
    /// order), or null for exact evaluation on all samples. Part of the store's identity: an adaptive study does not
    /// resume into an exact store, nor one with another setting.
    /// </summary>
    public string? Adaptive { get; init; }

    /// <summary>Free-form: engine and ONNX Runtime versions, command line, shard.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
