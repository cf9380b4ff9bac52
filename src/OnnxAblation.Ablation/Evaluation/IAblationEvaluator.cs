using OnnxAblation.Ablation.Store;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Evaluates damaged copies of one model on one data set. Implementations differ in speed only:
/// every one must give the predictions of <see cref="ReferenceEvaluator"/>.
/// </summary>
public interface IAblationEvaluator : IDisposable
{
    /// <summary>Short name for reports ("reference", "fast").</summary>
    string Name { get; }

    /// <summary>Ablations worth handing over at once (the fast path shares its prefix pass among them).</summary>
    int PreferredChunk => 1;

    /// <summary>Evaluates each ablation (a list of unit sets) and calls <paramref name="onResult"/> as each completes.</summary>
    void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult);
}
