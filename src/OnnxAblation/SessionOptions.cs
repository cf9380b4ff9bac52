using OnnxAblation.Runtime;

namespace OnnxAblation;

/// <summary>How a session loads its model and data and runs ONNX Runtime.</summary>
public sealed record SessionOptions
{
    /// <summary>Use only the first N samples of the data.</summary>
    public int? Limit { get; init; }

    /// <summary>The graph output to study (default: the first); the others are dropped.</summary>
    public string? Output { get; init; }

    /// <summary>Threads, batch size and device of every ONNX Runtime session (the batch size is cut to the memory budget).</summary>
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>The memory the session may use, split by <see cref="MemoryBudget"/>'s policy; null: half of the machine's available memory.</summary>
    public MemoryBudget? Memory { get; init; }
}
