using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Recovery;

/// <summary>The outcome of recovery training: the curve and the recovered network.</summary>
public sealed class RecoveryResult
{
    /// <summary>Epoch 0 (damaged, untrained) then one record per trained epoch.</summary>
    public required IReadOnlyList<RecoveryEpoch> Curve { get; init; }

    /// <summary>The damaged network as training started (zero-in or zero-out applied).</summary>
    public required OnnxModel Damaged { get; init; }

    /// <summary>The network after the last epoch: the original graph with the trained initializer values.</summary>
    public required OnnxModel Recovered { get; init; }

    /// <summary>The ONNX Runtime evaluation of <see cref="Recovered"/> the last curve point was taken from.</summary>
    public required EvaluationResult Final { get; init; }

    /// <summary>Initializers that were trained.</summary>
    public required IReadOnlyList<string> TrainedTensors { get; init; }

    /// <summary>Number of weight values held at exactly zero throughout.</summary>
    public required int HeldValues { get; init; }

    public RecoveryEpoch Before => Curve[0];

    public RecoveryEpoch After => Curve[^1];
}
