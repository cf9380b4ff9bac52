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

    /// <summary>
    /// Memory for prefix outputs kept between calls, so a layer's prefix runs once per data chunk over a whole sweep
    /// (bytes, all layers and workers together); a layer whose prefix outputs for the whole data set do not fit runs
    /// its prefix again on every call (streaming). Null: 512 MB (the session's memory budget sets its share).
    /// </summary>
    public long? PrefixCacheBytes { get; init; }

    /// <summary>
    /// Memory for ONNX Runtime's tensors in the fast path's runs, all workers together (bytes): rows per run are cut to
    /// what fits by <see cref="MemoryEstimate"/>'s per-sample figure (an upper bound). Null: no bound.
    /// </summary>
    public long? ActivationBytes { get; init; }

    /// <summary>
    /// Memory for the sessions kept between calls (their weights, ONNX Runtime's pre-packed copies and arenas, bytes):
    /// when a layer's sessions would exceed it, the least recently used layer's are closed, its prefix cache with
    /// them, and made again when that layer comes back. Null: every layer's sessions are kept.
    /// </summary>
    public long? SessionBytes { get; init; }

    /// <summary>
    /// Where a layer's first consumer is linear (<see cref="LinearConsumer"/>: a Conv, Gemm or MatMul after ReLU, pooling,
    /// Flatten), cut after it and subtract the ablated units' contribution from its intact output instead of recomputing it
    /// (host memory only; the device-resident runner masks). False: always mask the unit tensor (the obvious path beside it;
    /// tests compare the two).
    /// </summary>
    public bool LinearUpdate { get; init; } = true;

    /// <summary>
    /// The linear update is used where the consumer does at least this many multiply-adds per sample: below, its extra
    /// nodes (gathers, a batched product, the subtraction) cost more than recomputing the consumer (measured: fmnist-vgg's
    /// fc1, whose consumer is the 1,280-MAC output layer, ran 1.4× slower with it; its convolutions 1.3–1.5× faster).
    /// </summary>
    public double LinearUpdateMinMacs { get; init; } = 65536;

    /// <summary>Refuse (an <see cref="AblationException"/> naming the layer and the reason) instead of falling back to the reference path.</summary>
    public bool RequireFast { get; init; }

    /// <summary>
    /// Keep the activations crossing the cut, and the prefix cache, in the execution provider's memory through ONNX
    /// Runtime I/O binding (<see cref="ResidentLayerRunner"/>); null = on for <c>--device cuda</c>, off on the CPU,
    /// where true runs the same code path in host memory (tests compare it with the host path).
    /// </summary>
    public bool? DeviceResident { get; init; }

    /// <summary>Memory for the outputs of ablations scored together (bytes, all workers together); bounds a group's size. Null: 256 MB (the session's memory budget sets its share).</summary>
    public long? OutputBudgetBytes { get; init; }

    internal long PrefixCache => PrefixCacheBytes ?? 512L * 1024 * 1024;

    internal long OutputBudget => OutputBudgetBytes ?? 256L * 1024 * 1024;
}
