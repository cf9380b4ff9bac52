namespace OnnxAblation.Ablation.Store;

/// <summary>
/// Everything a store holds besides its metadata, table by table: what <see cref="Sharding.StoreMerger"/> carries
/// from the shards into the merged store. A new table is a new member here (and in <see cref="ResultStore.Contents"/>
/// and <see cref="ResultStore.Import"/>), so merge cannot silently drop it.
/// </summary>
internal sealed record StoreContents(
    IReadOnlyList<AblationRecord> Ablations,
    IReadOnlyList<RecoveryPoint> Recovery,
    IReadOnlyList<(string Layer, string Reason)> Skipped,
    IReadOnlyList<(string Study, IReadOnlyList<int> Order)> Orders,
    IReadOnlyList<(string Layer, string Path)> Paths);
