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

    /// <summary>
    /// Which path evaluated each layer's ablations so far: "fast", or "reference: WHY" (the reason it could not be
    /// fast); ablations of several layers at once are listed under <see cref="AcrossLayers"/>.
    /// </summary>
    IReadOnlyDictionary<string, string> Paths => new Dictionary<string, string>();

    /// <summary>The <see cref="Paths"/> entry of ablations that span several layers.</summary>
    const string AcrossLayers = "(several layers at once)";

    /// <summary>Evaluates each ablation (a list of unit sets) and calls <paramref name="onResult"/> as each completes.</summary>
    void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult);
}
