using Microsoft.ML.OnnxRuntime;

namespace OnnxAblation.Runtime;

/// <summary>
/// An ONNX Runtime session with the weights a large model keeps on disk (<see cref="DiskWeights"/>): it owns both, shows
/// only the data inputs, and feeds the weights to every run and I/O binding itself. For any other model it is the plain
/// session.
/// </summary>
internal sealed class OrtSession : IDisposable
{
    private readonly DiskWeights? _weights;

    internal OrtSession(InferenceSession session, DiskWeights? weights)
    {
        Inner = session;
        _weights = weights;
        var skip = weights?.Names.ToHashSet(StringComparer.Ordinal) ?? [];
        InputMetadata = session.InputMetadata.Where(kv => !skip.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    public InferenceSession Inner { get; }

    /// <summary>The data inputs (weights fed from disk left out).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata { get; }

    public IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => Inner.OutputMetadata;

    public IDisposableReadOnlyCollection<OrtValue> Run(RunOptions options, IReadOnlyCollection<string> names, IReadOnlyCollection<OrtValue> values, IReadOnlyCollection<string> outputs) =>
        _weights is null ? Inner.Run(options, names, values, outputs)
            : Inner.Run(options, [.. names, .. _weights.Names], [.. values, .. _weights.Values], outputs);

    public void Run(RunOptions options, IReadOnlyCollection<string> names, IReadOnlyCollection<OrtValue> values, IReadOnlyCollection<string> outputNames, IReadOnlyCollection<OrtValue> outputs)
    {
        if (_weights is null) Inner.Run(options, names, values, outputNames, outputs);
        else Inner.Run(options, [.. names, .. _weights.Names], [.. values, .. _weights.Values], outputNames, outputs);
    }

    /// <summary>An I/O binding with the weights already bound.</summary>
    public OrtIoBinding CreateIoBinding()
    {
        var binding = Inner.CreateIoBinding();
        if (_weights is not null)
            for (int i = 0; i < _weights.Names.Count; i++) binding.BindInput(_weights.Names[i], _weights.Values[i]);
        return binding;
    }

    public void Dispose()
    {
        Inner.Dispose();
        _weights?.Dispose();
    }
}
