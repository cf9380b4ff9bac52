using OnnxAblation.Data;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// Where a model meets labelled data for accuracy: the number of classes is the model's (its output holds K class
/// scores per sample); labels must lie in [0, K), and a test set lacking some classes is fine (those classes have
/// no accuracy). A model whose output is not class scores is refused with the reason, never scored as logits.
/// </summary>
public static class ClassScores
{
    /// <summary>
    /// The data with the model's class count; throws if the output is not [N, K] class scores or a label is ≥ K.
    /// Unlabelled data get the intact model's predictions as labels (accuracy is then agreement with the intact model).
    /// </summary>
    /// <param name="allowFeatures">For label-free studies: an output that is not class scores is accepted as it is
    /// (its effects are measured as drift), and the data are returned unchanged.</param>
    public static Dataset Fit(OnnxModel model, Dataset data, bool allowFeatures = false, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        const string help = "accuracy-based studies need an output of class scores: name one with --output NAME, or study the output's drift (sweep/study --impact drift)";
        if (OutputKinds.Of(model) == OutputKind.Features)
            return allowFeatures ? data : throw new OnnxFormatException($"{model.Source}: {OutputKinds.Describe(model)}; {help}");
        string output = model.Graph.Output[0].Name;
        var shape = model.Index().DeclaredShape(output);
        long[] dims = shape is { Length: >= 2 } && shape.Skip(1).All(d => d is not null)
            ? shape.Skip(1).Select(d => d!.Value).ToArray()
            : ActivationProbe.Shapes(model, [output], data.SampleShape, new InferenceOptions { Threads = 1 })[output].Skip(1).ToArray();
        if (dims.Count(d => d > 1) > 1)
            throw new OnnxFormatException($"{model.Source}: the model output '{output}' has shape [N,{string.Join(",", dims)}] per batch, not [N, K] class scores; {help}");
        int k = checked((int)dims.Aggregate(1L, (a, b) => a * b));
        if (!data.IsLabelled)
        {
            using var session = ModelSession.Create(model, options ?? new InferenceOptions(), data.SampleShape);
            var outputs = Evaluator.Predict(session, data);
            var predicted = new int[data.Count];
            for (int i = 0; i < data.Count; i++)
            {
                var row = outputs.AsSpan(i * k, k);
                int arg = 0;
                for (int c = 1; c < k; c++) if (row[c] > row[arg]) arg = c;
                predicted[i] = arg;
            }
            return data.WithLabels(predicted, Enumerable.Range(0, k).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        }
        if (data.ClassCount > k)
            throw new OnnxFormatException($"{model.Source}: the model output has {k} class scores per sample, but the data '{data.Spec}' has {data.ClassCount} classes (labels up to {data.Labels.DefaultIfEmpty().Max()}); check the data or the model");
        return data.WithClassCount(k);
    }
}
