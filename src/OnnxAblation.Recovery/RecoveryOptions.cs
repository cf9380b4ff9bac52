using OnnxAblation.Ablation.Modes;
using OnnxAblation.Runtime;

namespace OnnxAblation.Recovery;

/// <summary>How a damaged network is retrained ("recovery training", Meyes et al. 2019).</summary>
public sealed record RecoveryOptions
{
    /// <summary>Which weights train.</summary>
    public RecoveryScope Scope { get; init; } = RecoveryScope.All;

    public RecoveryOptimizer Optimizer { get; init; } = RecoveryOptimizer.Sgd;

    public double LearningRate { get; init; } = 0.01;

    /// <summary>SGD momentum (ignored by Adam).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay of the optimizer (0 = none); held weights stay zero regardless.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Passes over the training set (at least 1).</summary>
    public int Epochs { get; init; } = 3;

    public int BatchSize { get; init; } = 64;

    /// <summary>Seeds <c>torch.manual_seed</c> (dropout) and the <see cref="System.Random"/> that shuffles each epoch.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads for TorchSharp (<c>torch.set_num_threads</c>) and, unless <see cref="Inference"/> is given, ONNX Runtime.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The damage to hold: zero-in (the units' incoming weights, bias, BatchNorm scale and shift) or zero-out.</summary>
    public ModeSpec Mode { get; init; } = ModeSpec.ZeroIn;

    /// <summary>ONNX Runtime options of the per-epoch evaluation; default: CPU, <see cref="Threads"/> threads.</summary>
    public InferenceOptions? Inference { get; init; }
}
