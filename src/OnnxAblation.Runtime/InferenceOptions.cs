namespace OnnxAblation.Runtime;

/// <summary>How ONNX Runtime sessions are made and fed.</summary>
public sealed record InferenceOptions
{
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>Intra-op threads (the calling thread plus Threads−1 pool threads).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Samples per Run (ignored when the model fixes its batch size).</summary>
    public int BatchSize { get; init; } = 500;
}
