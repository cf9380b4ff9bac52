using OnnxAblation.Ablation.Studies;
using OnnxAblation.Onnx;

namespace OnnxAblation.Requests;

/// <summary>Do per-unit metrics predict the single-unit damage stored in a sweep/study store?</summary>
public sealed record CorrelateRequest
{
    /// <summary>The store with single-unit zero-in results of the session's model and data.</summary>
    public required string StorePath { get; init; }

    /// <summary>The network at initialisation, the Mann-Whitney reference (null: PyTorch's default uniform init).</summary>
    public OnnxModel? Init { get; init; }

    /// <summary>Comma-separated layer names (null: every hidden layer).</summary>
    public string? Layers { get; init; }

    /// <summary>Evaluate cumulative curves ordered by each metric against random orders (into the store, resumable).</summary>
    public bool Curves { get; init; } = true;

    public bool ExactReference { get; init; }

    public ImpactMeasure Impact { get; init; } = ImpactMeasure.Accuracy;

    /// <summary>Random orders (seeds 1..N).</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Notes to carry into the analysis (e.g. why the data could not be used).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
