using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// Reads intermediate float tensors: the model is cloned with those tensors added as graph outputs.
/// Used for shapes (one zero sample), unit means (mean ablation) and activation statistics.
/// </summary>
public static class ActivationProbe
{
    /// <summary>Receives one batch of one tensor: (tensor name, first sample index, values, shape with batch axis).</summary>
    public delegate void BatchHandler(string tensor, int start, ReadOnlySpan<float> values, long[] shape);

    /// <summary>Runs <paramref name="data"/> and hands every batch of every requested tensor to <paramref name="onBatch"/>.</summary>
    public static void Run(OnnxModel model, Dataset data, IReadOnlyList<string> tensors, InferenceOptions options, BatchHandler onBatch, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onBatch);
        var probe = WithOutputs(model, tensors);
        using var session = SessionFactory.Create(probe, options);
        string inputName = session.InputMetadata.Keys.Single();
        var dims = session.InputMetadata.Values.Single().Dimensions;
        long?[] modelShape = dims.Select(d => d > 0 ? (long?)d : null).ToArray();
        var layout = BatchCopier.LayoutFor(data.SampleShape, modelShape);
        long[] sampleDims = dims.Skip(1).Select((d, i) => d > 0 ? (long)d : data.SampleShape[i]).ToArray();
        int step = dims[0] > 0 ? dims[0] : Math.Max(1, options.BatchSize);
        var buffer = new float[step * data.SampleSize];
        using var runOptions = new RunOptions();
        for (int start = 0; start < data.Count; start += step)
        {
            int count = Math.Min(step, data.Count - start);
            BatchCopier.Copy(data, start, count, layout, buffer.AsSpan(0, count * data.SampleSize));
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count * data.SampleSize), [count, .. sampleDims]);
            using var results = session.Run(runOptions, [inputName], [input], tensors.ToArray());
            for (int t = 0; t < tensors.Count; t++)
            {
                var info = results[t].GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                    throw new OnnxFormatException($"{model.Source}: tensor '{tensors[t]}' is {info.ElementDataType}, not float");
                onBatch(tensors[t], start, results[t].GetTensorDataAsSpan<float>(), info.Shape);
            }
            progress?.Report(start + count);
        }
    }

    /// <summary>
    /// Shapes of the given tensors, of any element type, for one batch of zeros: batch 1, or the model's fixed batch
    /// size. Non-float tensors (int64 shape plumbing, booleans) are probed with their own types.
    /// </summary>
    /// <param name="smallIntegers">If given, receives the values of int64 tensors of at most 64 elements (shape
    /// plumbing such as Slice bounds computed with Shape → Gather → Div), as computed for this batch.</param>
    public static Dictionary<string, long[]> Shapes(OnnxModel model, IReadOnlyList<string> tensors, IReadOnlyList<int> sampleShape, InferenceOptions? options = null,
        IDictionary<string, long[]>? smallIntegers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(sampleShape);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (tensors.Count == 0) return shapes;
        var probe = WithOutputs(model, tensors);
        using var session = SessionFactory.Create(probe, (options ?? new InferenceOptions()) with { BatchSize = 1 });
        var meta = session.InputMetadata.Values.Single();
        if (meta.ElementDataType != TensorElementType.Float)
            throw new OnnxFormatException($"{model.Source}: the model input is {meta.ElementDataType}, not float");
        int batch = meta.Dimensions[0] > 0 ? meta.Dimensions[0] : 1;
        long[] dims = [batch, .. meta.Dimensions.Skip(1).Select((d, i) => d > 0 ? d : (long)sampleShape[i])];
        var zeros = new float[dims.Aggregate(1L, (a, b) => a * b)];
        using var input = OrtValue.CreateTensorValueFromMemory(zeros, dims);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [input], tensors.ToArray());
        for (int t = 0; t < tensors.Count; t++)
        {
            if (results[t].OnnxType != OnnxValueType.ONNX_TYPE_TENSOR) continue;
            var info = results[t].GetTensorTypeAndShape();
            shapes[tensors[t]] = info.Shape;
            if (smallIntegers is not null && info.ElementDataType == TensorElementType.Int64 && info.ElementCount <= 64)
                smallIntegers[tensors[t]] = results[t].GetTensorDataAsSpan<long>().ToArray();
        }
        return shapes;
    }

    /// <summary>
    /// The model with <paramref name="tensors"/> added as graph outputs. Outputs are declared without a type, so
    /// ONNX Runtime takes each one's type from its producer (int64 shape tensors stay int64).
    /// </summary>
    internal static OnnxModel WithOutputs(OnnxModel model, IReadOnlyList<string> tensors)
    {
        var clone = model.Clone();
        var existing = clone.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!existing.Add(t)) continue;
            clone.Graph.Output.Add(new ValueInfoProto { Name = t });
        }
        return clone;
    }
}
