namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Where the fast path's time went for one layer, measured with stopwatches in its workers. The part times are summed
/// over the workers (each runs single-threaded in parallel), so with W workers they add up to about W × the wall time.
/// </summary>
/// <param name="Wall">Seconds the layer's ablations took, start to last result.</param>
/// <param name="Prefix">ONNX Runtime runs of the prefix (once per data chunk, unless the chunk was cached).</param>
/// <param name="Suffix">ONNX Runtime runs of the suffix (K ablations × B samples each).</param>
/// <param name="Mask">Building the channel masks.</param>
/// <param name="Copy">Copying samples into the input (reading them from the file for a streamed set), prefix outputs into or out of the cache, suffix outputs into the per-ablation buffers.</param>
/// <param name="Score">Accuracy, per-class figures and the effects against the intact model.</param>
/// <param name="Store">The caller's handling of each result (a study: committing it to the store).</param>
/// <param name="Cache">Whether the prefix outputs were cached between calls, and why not.</param>
public sealed record LayerProfile(
    string Layer, int Ablations, int Workers, int RowsPerRun, int AblationsPerRun,
    double Wall, double Prefix, double Suffix, double Mask, double Copy, double Score, double Store,
    int PrefixRuns, int SuffixRuns, int CachedChunks, string Cache)
{
    /// <summary>How the suffix applies an ablation: "mask", or the linear update of the layer's first consumer.</summary>
    public string Update { get; init; } = "mask";
}
