namespace OnnxAblation.Onnx;

/// <summary>How <see cref="OnnxModel.Load(string, OnnxLoadOptions?)"/> treats a model's external data.</summary>
public sealed record OnnxLoadOptions
{
    /// <summary>
    /// External data are read into memory when the model with them holds at most this many bytes; a larger model keeps
    /// its external tensors on disk (read on demand, mapped once and shared by every ONNX Runtime session). Above 2 GB
    /// they always stay on disk: one protobuf message cannot hold them.
    /// </summary>
    public long InMemoryLimitBytes { get; init; } = DefaultInMemoryLimitBytes;

    /// <summary>512 MiB.</summary>
    public const long DefaultInMemoryLimitBytes = 512L << 20;
}
