using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Studies;

/// <summary>Everything a study command needs, built from the command line: model, data, units, mode, store, evaluator.</summary>
public sealed class StudyContext : IDisposable
{
    public required OnnxModel Model { get; init; }

    public required Dataset Data { get; init; }

    public required ModelUnits Units { get; init; }

    public required ModeSpec Mode { get; init; }

    public required InferenceOptions Options { get; init; }

    public required StudyPlanner Planner { get; init; }

    public required ResultStore Store { get; init; }

    public required IAblationEvaluator Evaluator { get; init; }

    public required StudyRunner Runner { get; init; }

    public ShardSpec? Shard { get; init; }

    /// <summary>The adaptive evaluation of the study's ablations, or null (exact on all samples).</summary>
    public AdaptiveEvaluator? Adaptive { get; init; }

    public void Dispose()
    {
        Adaptive?.Dispose();
        Evaluator.Dispose();
        Store.Dispose();
    }
}
