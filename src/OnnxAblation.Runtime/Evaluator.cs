using OnnxAblation.Data;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>Runs a data set through a model in batches and scores it.</summary>
public static class Evaluator
{
    /// <summary>Raw outputs, samples × <see cref="ModelSession.OutputSize"/>.</summary>
    public static float[] Predict(ModelSession session, Dataset data, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleSize != session.SampleSize)
            throw new OnnxFormatException($"{session.Source}: model input [{string.Join(",", session.SampleDims)}] holds {session.SampleSize} values per sample, data '{data.Spec}' has samples of shape [{string.Join(",", data.SampleShape)}] ({data.SampleSize} values)");
        var layout = BatchCopier.LayoutFor(data.SampleShape, session.InputShape);
        var outputs = new float[(long)data.Count * session.OutputSize];
        int step = session.MaxBatch;
        if (session.FixedBatch is int fixedBatch && data.Count % fixedBatch != 0)
            throw new OnnxFormatException($"{session.Source}: model fixes the batch size to {fixedBatch}, which does not divide the {data.Count} samples; use --limit");
        for (int start = 0; start < data.Count; start += step)
        {
            int count = Math.Min(step, data.Count - start);
            BatchCopier.Copy(data, start, count, layout, session.InputBuffer(count));
            session.Run(count).CopyTo(outputs.AsSpan(start * session.OutputSize));
            progress?.Report(start + count);
        }
        return outputs;
    }

    /// <summary>Evaluates a loaded session; <paramref name="kind"/> from <see cref="OutputKinds.Of"/>.</summary>
    public static EvaluationResult Evaluate(ModelSession session, Dataset data, OutputKind kind, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        if (kind == OutputKind.Features)
            throw new OnnxFormatException($"{session.Source}: the model output is not class scores, so accuracy cannot be computed; name a class-score output with --output");
        return Score(Predict(session, data, progress), session.OutputSize, data, kind, default, session.Source);
    }

    /// <summary>
    /// Scores outputs (samples × <paramref name="width"/>): accuracy and loss for class scores (the width must be the
    /// data's class count), and the effect against <paramref name="intact"/> outputs when given; an output that is not
    /// class scores gets the effect only.
    /// </summary>
    public static EvaluationResult Score(float[] outputs, int width, Dataset data, OutputKind kind, ReadOnlySpan<float> intact = default, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(data);
        if (kind != OutputKind.Features && width != data.ClassCount)
            throw new OnnxFormatException($"{source}: model output has {width} values per sample, the data '{data.Spec}' has {data.ClassCount} classes (ClassScores.Fit gives the data the model's class count)");
        return Metrics.Compute(outputs, kind == OutputKind.Features ? data.ClassCount : width, data.Labels, kind, null, intact);
    }

    /// <summary>One-shot: a session for <paramref name="model"/>, evaluated on <paramref name="data"/>.</summary>
    public static EvaluationResult Evaluate(OnnxModel model, Dataset data, InferenceOptions options, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var session = ModelSession.Create(model, options, data.SampleShape);
        return Evaluate(session, data, OutputKinds.Of(model), progress);
    }
}
