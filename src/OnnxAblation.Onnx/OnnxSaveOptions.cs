namespace OnnxAblation.Onnx;

/// <summary>How <see cref="OnnxModel.Save"/> stores tensors.</summary>
public sealed record OnnxSaveOptions
{
    /// <summary>Store tensors in a side file even when the model would fit inline.</summary>
    public bool ExternalData { get; init; }

    /// <summary>Side file name, relative to the model file (default: model file name + ".data").</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>Tensors smaller than this stay inline when external data is written.</summary>
    public int ExternalDataThresholdBytes { get; init; } = 1024;

    /// <summary>Protobuf's hard limit: above it external data is used whatever was asked.</summary>
    public const long InlineLimitBytes = 2L * 1024 * 1024 * 1024 - 1;
}
