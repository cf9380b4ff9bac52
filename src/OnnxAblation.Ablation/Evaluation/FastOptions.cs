namespace OnnxAblation.Ablation.Evaluation;

/// <summary>Sizes of the fast path's runs and memory; null sizes are chosen per layer from the work after the cut.</summary>
public sealed record FastOptions
{
    /// <summary>Ablations evaluated together in one suffix run (K); null = enough to fill <see cref="RowsPerRun"/> when the data set is small, at most 16.</summary>
    public int? AblationsPerRun { get; init; }

    /// <summary>Rows (K × samples) per suffix run; null = about <see cref="TargetFlopPerRun"/> of suffix work per run, 16 to 64 rows (measured on fmnist-vgg: larger runs fall out of cache).</summary>
    public int? RowsPerRun { get; init; }

    /// <summary>Suffix FLOPs per run the automatic sizing aims at: small enough to stay in cache, large enough to hide per-run overhead.</summary>
    public double TargetFlopPerRun { get; init; } = 1.6e8;

    /// <summary>Parallel workers, each with its own sessions; null = one per ONNX Runtime thread asked for (each then runs single-threaded).</summary>
    public int? Workers { get; init; }

    /// <summary>Memory for prefix outputs kept between calls, so a layer's prefix runs once per data chunk over a whole sweep (bytes).</summary>
    public long PrefixCacheBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Refuse (an <see cref="AblationException"/> naming the layer and the reason) instead of falling back to the reference path.</summary>
    public bool RequireFast { get; init; }

    /// <summary>
    /// Keep the activations crossing the cut, and the prefix cache, in the execution provider's memory through ONNX
    /// Runtime I/O binding (<see cref="ResidentLayerRunner"/>); null = on for <c>--device cuda</c>, off on the CPU,
    /// where true runs the same code path in host memory (tests compare it with the host path).
    /// </summary>
    public bool? DeviceResident { get; init; }

    /// <summary>Memory for the outputs of ablations scored together (bytes); bounds a group's size.</summary>
    public long OutputBudgetBytes { get; init; } = 256L * 1024 * 1024;
}
