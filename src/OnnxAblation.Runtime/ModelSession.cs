using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// The one owner of an ONNX Runtime session and of the OrtValues fed to it: pinned input and output
/// buffers are made once per batch size and reused, so a Run allocates nothing managed.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly OrtSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Dictionary<int, Binding> _bindings = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _sampleDims;
    private bool _disposed;

    private sealed record Binding(float[] Input, OrtValue InputValue, float[] Output, OrtValue OutputValue)
    {
        // Arrays handed to every Run, made once so a Run allocates nothing.
        public OrtValue[] Inputs { get; } = [InputValue];

        public OrtValue[] Outputs { get; } = [OutputValue];
    }

    private ModelSession(OrtSession session, string source, long[] sampleDims, int? fixedBatch, int outputSize, InferenceOptions options)
    {
        _session = session;
        Source = source;
        _sampleDims = sampleDims;
        _inputNames = [session.InputMetadata.Keys.Single()];
        _outputNames = [session.OutputMetadata.Keys.First()];
        SampleSize = checked((int)sampleDims.Aggregate(1L, (a, b) => a * b));
        OutputSize = outputSize;
        MaxBatch = fixedBatch ?? Math.Max(1, options.BatchSize);
        FixedBatch = fixedBatch;
    }

    public string Source { get; }

    public string InputName => _inputNames[0];

    public string OutputName => _outputNames[0];

    /// <summary>Model input shape without the batch axis.</summary>
    public IReadOnlyList<long> SampleDims => _sampleDims;

    /// <summary>Model input shape including the batch axis (null = symbolic), for layout decisions.</summary>
    public long?[] InputShape => [FixedBatch, .. _sampleDims.Select(d => (long?)d)];

    public int SampleSize { get; }

    /// <summary>Values the first output holds per sample (e.g. the class count).</summary>
    public int OutputSize { get; }

    public int MaxBatch { get; }

    public int? FixedBatch { get; }

    /// <param name="sampleShapeHint">Used where the model's sample dims are symbolic (the data's sample shape).</param>
    public static ModelSession Create(OnnxModel model, InferenceOptions options, IReadOnlyList<int>? sampleShapeHint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return Create(SessionFactory.Create(model, options), options, model.Source, sampleShapeHint);
    }

    public static ModelSession Create(byte[] modelBytes, InferenceOptions options, string source, IReadOnlyList<int>? sampleShapeHint = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(SessionFactory.Create(modelBytes, options, source), options, source, sampleShapeHint);
    }

    private static ModelSession Create(OrtSession session, InferenceOptions options, string source, IReadOnlyList<int>? sampleShapeHint)
    {
        try
        {
            if (session.InputMetadata.Count != 1)
                throw new OnnxFormatException($"{source}: model has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); only single-input models are supported");
            var meta = session.InputMetadata.Values.Single();
            if (meta.ElementDataType != TensorElementType.Float)
                throw new OnnxFormatException($"{source}: model input '{session.InputMetadata.Keys.Single()}' is {meta.ElementDataType}; only float32 inputs are supported");
            int[] dims = meta.Dimensions;
            if (dims.Length < 2)
                throw new OnnxFormatException($"{source}: model input has shape [{string.Join(",", dims)}]; a batch axis plus at least one sample axis is needed");
            int? fixedBatch = dims[0] > 0 ? dims[0] : null;
            var sample = dims.Skip(1).Select(d => (long)d).ToArray();
            if (sample.Any(d => d <= 0))
            {
                if (sampleShapeHint is null || sampleShapeHint.Count != sample.Length)
                    throw new OnnxFormatException($"{source}: model input sample shape [{string.Join(",", sample.Select(d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?"))}] has symbolic axes that the data cannot fill");
                for (int i = 0; i < sample.Length; i++) if (sample[i] <= 0) sample[i] = sampleShapeHint[i];
            }
            int outputSize = OutputSizeOf(session, fixedBatch ?? 1, sample);
            return new ModelSession(session, source, sample, fixedBatch, outputSize, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static int OutputSizeOf(OrtSession session, int batch, long[] sample)
    {
        var outMeta = session.OutputMetadata.Values.First();
        if (outMeta.Dimensions.Skip(1).All(d => d > 0))
            return outMeta.Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
        // Symbolic output dims: run once on zeros and read the shape.
        long[] shape = [batch, .. sample];
        var input = new float[shape.Aggregate(1L, (a, b) => a * b)];
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [value], [session.OutputMetadata.Keys.First()]);
        var outShape = results[0].GetTensorTypeAndShape().Shape;
        return checked((int)(outShape.Skip(1).Aggregate(1L, (a, b) => a * b)));
    }

    /// <summary>The pinned input buffer for a batch of <paramref name="count"/> samples: fill it, then <see cref="Run(int)"/>.</summary>
    public Span<float> InputBuffer(int count) => Bind(count).Input.AsSpan(0, count * SampleSize);

    /// <summary>Runs the samples already in <see cref="InputBuffer"/>; the span is valid until the next Run.</summary>
    public ReadOnlySpan<float> Run(int count)
    {
        var b = Bind(count);
        MemoryExhausted.Guard(() => _session.Run(_runOptions, _inputNames, b.Inputs, _outputNames, b.Outputs), $"a run of {count} samples");
        return b.Output.AsSpan(0, count * OutputSize);
    }

    /// <summary>Copies <paramref name="input"/> (count samples) in and runs; outputs go to <paramref name="output"/>.</summary>
    public void Run(ReadOnlySpan<float> input, int count, Span<float> output)
    {
        input.CopyTo(InputBuffer(count));
        Run(count).CopyTo(output);
    }

    private Binding Bind(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0 || count > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(count), $"batch of {count} outside 1..{MaxBatch}");
        if (FixedBatch is int fb && count != fb)
            throw new ArgumentOutOfRangeException(nameof(count), $"{Source}: model fixes the batch size to {fb}");
        if (_bindings.TryGetValue(count, out var b)) return b;
        var input = new float[count * SampleSize];
        var output = new float[count * OutputSize];
        long[] inShape = [count, .. _sampleDims];
        var inValue = OrtValue.CreateTensorValueFromMemory(input, inShape);
        var outShape = _session.OutputMetadata.Values.First().Dimensions.Select(d => (long)d).ToArray();
        outShape[0] = count;
        if (outShape.Skip(1).Any(d => d <= 0)) outShape = [count, OutputSize];
        var outValue = OrtValue.CreateTensorValueFromMemory(output, outShape);
        b = new Binding(input, inValue, output, outValue);
        _bindings[count] = b;
        return b;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in _bindings.Values)
        {
            b.InputValue.Dispose();
            b.OutputValue.Dispose();
        }
        _bindings.Clear();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
