using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// The slow, obvious path: rewrite the initializers of a copy, create a new ONNX Runtime session, run every sample.
/// Every fast path is tested against it.
/// </summary>
public sealed class ReferenceEvaluator(ModelUnits units, Dataset data, ModeSpec mode, InferenceOptions options, UnitMeans? means = null) : IAblationEvaluator
{
    private readonly OutputKind _kind = OutputKinds.Of(units.Model);
    private float[]? _intact;
    private int _width;

    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    public string Name => "reference";

    /// <summary>Every layer: "reference: asked for" (the evaluator was chosen, e.g. by --exact-reference).</summary>
    public IReadOnlyDictionary<string, string> Paths => _paths;

    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult)
    {
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        for (int i = 0; i < ablations.Count; i++)
        {
            var sets = ablations[i];
            if (sets.Count > 0) _paths.TryAdd(sets.Count == 1 ? sets[0].Layer : IAblationEvaluator.AcrossLayers, "reference: asked for");
            onResult(i, EvaluateOne(sets));
        }
    }

    public EvaluationResult EvaluateOne(IReadOnlyList<UnitSet> sets)
    {
        var model = sets.Count == 0 ? units.Model : Ablator.Apply(units, sets, mode, means);
        float[] outputs;
        int width;
        using (var session = ModelSession.Create(model, options, data.SampleShape))
        {
            outputs = Evaluator.Predict(session, data);
            width = session.OutputSize;
        }
        if (sets.Count == 0 && _intact is null) (_intact, _width) = (outputs, width);
        return Evaluator.Score(outputs, width, data, _kind, IntactOutputs, units.Model.Source);
    }

    /// <summary>The intact model's outputs on the data (samples × <see cref="OutputWidth"/>), computed once: what every effect is measured against.</summary>
    public float[] IntactOutputs
    {
        get
        {
            if (_intact is not null) return _intact;
            using var session = ModelSession.Create(units.Model, options, data.SampleShape);
            _width = session.OutputSize;
            return _intact = Evaluator.Predict(session, data);
        }
    }

    /// <summary>Values the model's output holds per sample.</summary>
    public int OutputWidth
    {
        get
        {
            _ = IntactOutputs;
            return _width;
        }
    }

    public void Dispose() { }
}
