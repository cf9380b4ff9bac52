using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Sharding;

/// <summary>
/// Merges the result stores written by the shards of one run into one store holding the same keys and results
/// as a single-machine run: every table (<see cref="StoreContents"/>: ablations, recovery curves, skipped layers,
/// unit orders) is carried.
/// </summary>
public static class StoreMerger
{
    /// <summary>Extra-metadata key under which a shard's store may record its "k/N" (used to order the inputs).</summary>
    public const string ShardExtraKey = "shard";

    /// <summary>
    /// Merges <paramref name="shardStores"/> into <paramref name="outputPath"/>.
    /// <list type="bullet">
    /// <item>All stores must have the same metadata (model hash, data spec, sample and class counts, labels);
    /// otherwise a <see cref="StoreMismatchException"/> names the two files and the field.</item>
    /// <item>Records are deduplicated by key; a key stored with different results in two files is a
    /// <see cref="StoreConflictException"/> naming both files.</item>
    /// <item>Recovery points are deduplicated by run and epoch, unit orders by study; one stored with different values
    /// in two files is a <see cref="StoreConflictException"/> naming both. A skipped layer keeps the first file's reason.</item>
    /// <item>The baseline (key "baseline") must be in at least one store.</item>
    /// <item>Order: the baseline first, then per study (in order of first appearance) the shards' records
    /// interleaved round robin, which restores a single-machine run's order when the inputs are in shard order
    /// (they are sorted by their "shard" extra metadata when every store has one).</item>
    /// <item>A new output is written to a temporary file and renamed into place (all or nothing). An existing output
    /// is merged into in one transaction; it must have the same metadata.</item>
    /// </list>
    /// </summary>
    /// <returns>The number of records in the merged store.</returns>
    public static int Merge(IReadOnlyList<string> shardStores, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(shardStores);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        if (shardStores.Count == 0) throw new ArgumentException("no shard stores to merge", nameof(shardStores));
        string output = Path.GetFullPath(outputPath);
        var inputs = shardStores.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        if (inputs.Contains(output))
            throw new ArgumentException($"{output}: the merge output is also one of its inputs; write to another file", nameof(outputPath));

        var stores = new List<ResultStore>();
        try
        {
            foreach (string input in inputs) stores.Add(ResultStore.OpenExisting(input));
            stores = InShardOrder(stores);
            var first = stores[0];
            foreach (var other in stores.Skip(1))
                if (MetadataComparison.FirstDifference(first.Metadata, other.Metadata) is { } d)
                    throw new StoreMismatchException(
                        $"cannot merge {first.Path} and {other.Path}: they belong to different runs ({d.Field} '{d.A}' vs '{d.B}')",
                        other.Path, d.Field, d.A, d.B);

            var contents = stores.Select(s => (s.Path, Contents: s.Contents())).ToList();
            var records = Collect(contents);
            if (!records.Any(r => r.Key == AblationKey.Baseline))
                throw new InvalidOperationException(
                    $"none of the {stores.Count} stores to merge holds the baseline (key \"{AblationKey.Baseline}\"): " +
                    string.Join(", ", stores.Select(s => s.Path)));
            var merged = new StoreContents(records, CollectRecovery(contents), contents.SelectMany(c => c.Contents.Skipped).DistinctBy(x => x.Layer).ToList(),
                CollectOrders(contents),
                // a layer some shard evaluated on the reference path is reported so, with that shard's reason
                contents.SelectMany(c => c.Contents.Paths).OrderBy(x => x.Path.StartsWith("reference", StringComparison.Ordinal) ? 0 : 1).DistinctBy(x => x.Layer).ToList());

            return File.Exists(output) && new FileInfo(output).Length > 0
                ? MergeInto(output, first.Metadata, merged)
                : WriteNew(output, MergedMetadata(first.Metadata, stores.Count), merged);
        }
        finally
        {
            foreach (var s in stores) s.Dispose();
        }
    }

    private static List<ResultStore> InShardOrder(List<ResultStore> stores)
    {
        var specs = stores.Select(s =>
        {
            if (!s.Metadata.Extra.TryGetValue(ShardExtraKey, out var text)) return null;
            try { return ShardSpec.Parse(text); }
            catch (FormatException) { return null; }
        }).ToList();
        if (specs.Any(s => s is null)) return stores;
        return stores.Zip(specs, (store, spec) => (store, spec!)).OrderBy(p => p.Item2.Index).Select(p => p.store).ToList();
    }

    /// <summary>All distinct records in merge order; conflicting duplicates are refused, naming both files.</summary>
    private static List<AblationRecord> Collect(List<(string Path, StoreContents Contents)> stores)
    {
        var seen = new Dictionary<string, (AblationRecord Record, string File)>(StringComparer.Ordinal);
        var studies = new List<string>();
        var byStudy = new Dictionary<string, List<List<AblationRecord>>>(StringComparer.Ordinal);
        AblationRecord? baseline = null;
        for (int s = 0; s < stores.Count; s++)
        {
            foreach (var r in stores[s].Contents.Ablations)
            {
                if (seen.TryGetValue(r.Key, out var prior))
                {
                    if (RecordComparison.FirstDifference(prior.Record, r) is { } difference)
                        throw new StoreConflictException(
                            $"cannot merge: ablation '{r.Key}' has different results in {prior.File} and {stores[s].Path} " +
                            $"({difference}); evaluations should be deterministic", r.Key);
                    continue;
                }
                seen.Add(r.Key, (r, stores[s].Path));
                if (r.Key == AblationKey.Baseline)
                {
                    baseline = r;
                    continue;
                }
                if (!byStudy.TryGetValue(r.Study, out var perShard))
                {
                    perShard = stores.Select(_ => new List<AblationRecord>()).ToList();
                    byStudy.Add(r.Study, perShard);
                    studies.Add(r.Study);
                }
                perShard[s].Add(r);
            }
        }

        var ordered = new List<AblationRecord>(seen.Count);
        if (baseline is not null) ordered.Add(baseline);
        foreach (string study in studies)
        {
            var perShard = byStudy[study];
            int longest = perShard.Max(l => l.Count);
            for (int i = 0; i < longest; i++)
                foreach (var list in perShard)
                    if (i < list.Count) ordered.Add(list[i]);
        }
        return ordered;
    }

    /// <summary>Every distinct recovery point (by run and epoch, in run then epoch order); differing duplicates are refused, naming both files.</summary>
    private static List<RecoveryPoint> CollectRecovery(List<(string Path, StoreContents Contents)> stores)
    {
        var seen = new Dictionary<(string Run, int Epoch), (RecoveryPoint Point, string File)>();
        foreach (var (path, contents) in stores)
            foreach (var p in contents.Recovery)
            {
                if (!seen.TryGetValue((p.Run, p.Epoch), out var prior))
                {
                    seen.Add((p.Run, p.Epoch), (p, path));
                    continue;
                }
                if (RecoveryComparison.FirstDifference(prior.Point, p) is { } difference)
                    throw new StoreConflictException(
                        $"cannot merge: recovery run '{p.Run}' epoch {p.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)} has different results in {prior.File} and {path} ({difference})",
                        p.Run);
            }
        return seen.Values.Select(v => v.Point).OrderBy(p => p.Run, StringComparer.Ordinal).ThenBy(p => p.Epoch).ToList();
    }

    /// <summary>Every recorded unit order by study; a study with two different orders is refused, naming both files.</summary>
    private static List<(string Study, IReadOnlyList<int> Order)> CollectOrders(List<(string Path, StoreContents Contents)> stores)
    {
        var seen = new Dictionary<string, (IReadOnlyList<int> Order, string File)>(StringComparer.Ordinal);
        var list = new List<(string, IReadOnlyList<int>)>();
        foreach (var (path, contents) in stores)
            foreach (var (study, order) in contents.Orders)
            {
                if (!seen.TryGetValue(study, out var prior))
                {
                    seen.Add(study, (order, path));
                    list.Add((study, order));
                }
                else if (!prior.Order.SequenceEqual(order))
                    throw new StoreConflictException($"cannot merge: study '{study}' has different unit orders in {prior.File} and {path}", study);
            }
        return list;
    }

    private static StoreMetadata MergedMetadata(StoreMetadata first, int inputs)
    {
        var extra = first.Extra.Where(p => p.Key != ShardExtraKey).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        extra["merged_from_shards"] = inputs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return first with { Extra = extra };
    }

    private static int MergeInto(string output, StoreMetadata meta, StoreContents contents)
    {
        using var store = ResultStore.Open(output, meta);
        store.Import(contents);
        return store.Count;
    }

    private static int WriteNew(string output, StoreMetadata meta, StoreContents contents)
    {
        string temp = output + ".merging-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            int count;
            using (var store = ResultStore.Open(temp, meta))
            {
                store.Import(contents);
                count = store.Count;
            }
            File.Move(temp, output, overwrite: true);
            return count;
        }
        finally
        {
            foreach (string f in new[] { temp, temp + "-wal", temp + "-shm", temp + ".lock" })
                if (File.Exists(f)) File.Delete(f);
        }
    }
}
