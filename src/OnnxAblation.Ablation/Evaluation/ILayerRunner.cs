using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>One worker of the fast path for one layer: evaluates single-layer unit sets by masking the cut tensor.</summary>
internal interface ILayerRunner : IDisposable
{
    /// <summary>Evaluates <paramref name="ablations"/> (unit indices of the runner's layer); results by index.</summary>
    void Evaluate(IReadOnlyList<IReadOnlyList<int>> ablations, Action<int, EvaluationResult> onResult);
}
