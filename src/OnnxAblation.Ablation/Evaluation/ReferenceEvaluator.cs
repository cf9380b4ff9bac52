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

    public string Name => "reference";

    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult)
    {
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        for (int i = 0; i < ablations.Count; i++)
            onResult(i, EvaluateOne(ablations[i]));
    }

    public EvaluationResult EvaluateOne(IReadOnlyList<UnitSet> sets)
    {
        var model = sets.Count == 0 ? units.Model : Ablator.Apply(units, sets, mode, means);
        using var session = ModelSession.Create(model, options, data.SampleShape);
        return Evaluator.Evaluate(session, data, _kind);
    }

    public void Dispose() { }
}
