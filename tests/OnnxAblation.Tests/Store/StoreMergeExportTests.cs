using System.Globalization;
using System.Text.Json;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using static OnnxAblation.Tests.Store.StoreTestData;

namespace OnnxAblation.Tests.Store;

/// <summary>
/// Merge and export carry every table of a store: two shard stores with ablations, recovery curves, skipped layers and
/// unit orders are merged, and the merged store and its JSON and CSV exports hold every row of both, unchanged.
/// </summary>
public sealed class StoreMergeExportTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static readonly StoreMetadata Meta = StoreTestData.Meta(samples: 12, classes: 3) with { DataLimit = 12 };

    private static RecoveryPoint Point(string run, int epoch, int seed)
    {
        var rng = new Random(seed);
        return new RecoveryPoint(run, "fc1:" + seed.ToString(CultureInfo.InvariantCulture), epoch, epoch == 0 ? double.NaN : rng.NextDouble(),
            rng.NextDouble(), [rng.NextDouble(), double.NaN, rng.NextDouble()], rng.NextDouble() * 2, rng.NextDouble());
    }

    /// <summary>Shard k's store: its share of the ablations (the baseline in shard 0), its recovery runs, skipped layers and orders.</summary>
    private string Shard(int k, string name = "shard")
    {
        string path = P($"{name}{k}.db");
        using var s = ResultStore.Open(path, Meta with { Extra = new Dictionary<string, string> { [StoreMerger.ShardExtraKey] = new ShardSpec(k, 2).ToString() } });
        if (k == 0) s.Add(Baseline(Meta));
        for (int i = k; i < 10; i += 2) s.Add(Record(Meta, $"zero-in|fc1:{i}", i));
        s.Add(Record(Meta, "zero-in|fc1:0,1", 50, "pairs", [new UnitSet("fc1", [0, 1])]) with { Samples = 8, Interval = 0.0625 }); // in both shards, equal; measured on 8 samples
        for (int e = 0; e <= 2; e++) s.AddRecoveryPoint(Point($"run-{k}", e, 10 * k + e));
        s.AddRecoveryPoint(Point("shared", 0, 99)); // in both shards, equal
        s.RecordSkipped($"/conv{k}/Conv", $"reason {k}");
        s.RecordOrder($"cumulative:fc1:metric-m{k}", [k, 2, 1 - k]);
        s.RecordOrder("cumulative:fc1:impact", [3, 2, 1, 0]); // in both shards, equal
        s.RecordPath("fc1", "fast");
        s.RecordPath("fc2", k == 0 ? "fast" : "reference: a reason"); // the reference path is reported whichever shard took it
        s.RecordPath("fc2", "fast"); // and stays once written
        return path;
    }

    [Fact]
    public void Merge_and_export_of_shards_with_recovery_curves_lose_nothing()
    {
        string[] shards = [Shard(0), Shard(1)];
        var inputs = shards.Select(p => { using var s = ResultStore.OpenExisting(p); return s.Contents(); }).ToList();
        string merged = P("merged.db");
        StoreMerger.Merge(shards, merged);

        using var store = ResultStore.OpenExisting(merged);
        var got = store.Contents();

        // Ablations: every key of every shard once, with its results.
        var expectedRecords = inputs.SelectMany(c => c.Ablations).DistinctBy(r => r.Key).ToDictionary(r => r.Key);
        Assert.Equal(expectedRecords.Keys.Order(StringComparer.Ordinal), got.Ablations.Select(r => r.Key).Order(StringComparer.Ordinal));
        foreach (var r in got.Ablations) AssertSame(expectedRecords[r.Key], r);

        // Recovery curves: every (run, epoch) of every shard, row by row.
        var expectedPoints = inputs.SelectMany(c => c.Recovery).DistinctBy(p => (p.Run, p.Epoch))
            .OrderBy(p => p.Run, StringComparer.Ordinal).ThenBy(p => p.Epoch).ToList();
        Assert.Equal(7, expectedPoints.Count);
        Assert.Equal(expectedPoints.Count, got.Recovery.Count);
        for (int i = 0; i < expectedPoints.Count; i++) AssertSamePoint(expectedPoints[i], got.Recovery[i]);

        // Skipped layers and unit orders.
        Assert.Equal(inputs.SelectMany(c => c.Skipped).OrderBy(x => x.Layer, StringComparer.Ordinal), got.Skipped);
        var expectedOrders = inputs.SelectMany(c => c.Orders).DistinctBy(o => o.Study).OrderBy(o => o.Study, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedOrders.Select(o => o.Study), got.Orders.Select(o => o.Study));
        for (int i = 0; i < expectedOrders.Count; i++) Assert.Equal(expectedOrders[i].Order, got.Orders[i].Order);
        Assert.Equal(12, store.Metadata.DataLimit);
        Assert.Equal([("fc1", "fast"), ("fc2", "reference: a reason")], got.Paths);

        // JSON export: every table, row by row.
        string json = P("merged.json");
        ResultExport.ToJson(store, json);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = doc.RootElement;
        Assert.Equal(12, root.GetProperty("data_limit").GetInt32());
        Assert.Equal(Meta.DataSpec + " (first 12)", root.GetProperty("data").GetString());
        var ablations = root.GetProperty("ablations").EnumerateArray().ToList();
        var nonBaseline = got.Ablations.Where(r => r.Key != AblationKey.Baseline).ToList();
        Assert.Equal(nonBaseline.Count, ablations.Count);
        for (int i = 0; i < ablations.Count; i++)
        {
            Assert.Equal(nonBaseline[i].Study, ablations[i].GetProperty("study").GetString());
            Assert.Equal(nonBaseline[i].Units.SelectMany(u => u.Units), ablations[i].GetProperty("units").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(nonBaseline[i].Accuracy, ablations[i].GetProperty("accuracy").GetDouble());
            // samples and interval: only on results of adaptive sampling
            Assert.Equal(nonBaseline[i].Samples, ablations[i].TryGetProperty("samples", out var n) ? n.GetInt32() : null);
            Assert.Equal(nonBaseline[i].Interval, ablations[i].TryGetProperty("interval", out var h) ? h.GetDouble() : null);
        }
        Assert.Contains(nonBaseline, r => r.Samples == 8 && r.Interval == 0.0625);
        Assert.Equal(["fc1 fast ", "fc2 reference a reason"], root.GetProperty("paths").EnumerateArray().Select(e =>
            $"{e.GetProperty("layer").GetString()} {e.GetProperty("path").GetString()} {(e.TryGetProperty("reason", out var why) ? why.GetString() : "")}"));
        var recovery = root.GetProperty("recovery").EnumerateArray().ToList();
        Assert.Equal(expectedPoints.Count, recovery.Count);
        for (int i = 0; i < recovery.Count; i++)
        {
            var p = expectedPoints[i];
            var e = recovery[i];
            Assert.Equal(p.Run, e.GetProperty("run").GetString());
            Assert.Equal(p.Damage, e.GetProperty("damage").GetString());
            Assert.Equal(p.Epoch, e.GetProperty("epoch").GetInt32());
            Assert.Equal(p.TrainLoss, Num(e.GetProperty("train_loss")));
            Assert.Equal(p.Accuracy, Num(e.GetProperty("accuracy")));
            Assert.Equal(p.ClassAccuracy, e.GetProperty("class_accuracy").EnumerateArray().Select(Num));
            Assert.Equal(p.TestLoss, Num(e.GetProperty("test_loss")));
            Assert.Equal(p.Seconds, Num(e.GetProperty("seconds")));
        }
        Assert.Equal(got.Skipped.Select(s => s.Layer), root.GetProperty("skipped").EnumerateArray().Select(e => e.GetProperty("layer").GetString()));
        var orders = root.GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal(expectedOrders.Select(o => o.Study), orders.Select(o => o.GetProperty("study").GetString()));
        for (int i = 0; i < orders.Count; i++)
            Assert.Equal(expectedOrders[i].Order, orders[i].GetProperty("units").EnumerateArray().Select(e => e.GetInt32()));

        // CSV export: the ablations, skipped layers, evaluation paths and orders in one file, the recovery curves in the second.
        string csv = P("merged.csv");
        ResultExport.ToCsv(store, csv);
        var rows = File.ReadAllLines(csv).Skip(1).Select(Fields).ToList();
        Assert.Equal(nonBaseline.Select(r => r.Key), rows.Take(nonBaseline.Count).Select(r => r[0]));
        Assert.Equal(got.Skipped.Select(s => "skipped:" + s.Layer), rows.Skip(nonBaseline.Count).Take(got.Skipped.Count).Select(r => r[0]));
        Assert.Equal(got.Paths.Select(x => "path:" + x.Layer), rows.Skip(nonBaseline.Count + got.Skipped.Count).Take(got.Paths.Count).Select(r => r[0]));
        var orderRows = rows.Skip(nonBaseline.Count + got.Skipped.Count + got.Paths.Count).ToList();
        Assert.Equal(expectedOrders.Select(o => "order:" + o.Study), orderRows.Select(r => r[0]));
        Assert.Equal(expectedOrders.Select(o => string.Join(" ", o.Order)), orderRows.Select(r => r[3]));
        string recoveryCsv = ResultExport.RecoveryCsvPath(csv);
        Assert.Equal(P("merged.recovery.csv"), recoveryCsv);
        var lines = File.ReadAllLines(recoveryCsv);
        Assert.Equal("run,damage,epoch,train_loss,accuracy,test_loss,seconds,class_acc_c0,class_acc_c1,class_acc_c2", lines[0]);
        Assert.Equal(expectedPoints.Count, lines.Length - 1);
        for (int i = 0; i < expectedPoints.Count; i++)
        {
            var p = expectedPoints[i];
            var f = lines[i + 1].Split(',');
            Assert.Equal([p.Run, p.Damage, p.Epoch.ToString(CultureInfo.InvariantCulture)], f[..3]);
            Assert.Equal(new[] { p.TrainLoss, p.Accuracy, p.TestLoss, p.Seconds }.Concat(p.ClassAccuracy),
                f[3..].Select(x => double.Parse(x, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Merging_a_recovery_point_or_order_that_differs_between_shards_is_refused_naming_both_files()
    {
        string a = Shard(0), b = Shard(1);
        using (var s = ResultStore.OpenExisting(b)) s.AddRecoveryPoint(Point("run-0", 1, 1234)); // shard 0 has another run-0 epoch 1
        var ex = Assert.Throws<StoreConflictException>(() => StoreMerger.Merge([a, b], P("m.db")));
        Assert.Contains("recovery run 'run-0' epoch 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains(a, ex.Message, StringComparison.Ordinal);
        Assert.Contains(b, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(P("m.db")));

        string c = P("c.db");
        File.Copy(a, c);
        using (var s = ResultStore.OpenExisting(c)) s.RecordOrder("cumulative:fc1:impact", [0, 1, 2, 3]);
        var ex2 = Assert.Throws<StoreConflictException>(() => StoreMerger.Merge([Shard(1, "fresh"), c], P("m2.db")));
        Assert.Contains("cumulative:fc1:impact", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merging_into_an_existing_store_keeps_its_recovery_curves_and_adds_the_shards()
    {
        string output = P("out.db");
        using (var o = ResultStore.Open(output, Meta))
        {
            o.Add(Baseline(Meta));
            o.AddRecoveryPoint(Point("earlier", 0, 7));
        }
        StoreMerger.Merge([Shard(0), Shard(1)], output);
        using var store = ResultStore.OpenExisting(output);
        Assert.Equal(["earlier", "run-0", "run-1", "shared"], store.RecoveryPoints().Select(p => p.Run).Distinct());
        Assert.Equal(8, store.RecoveryPoints().Count);
    }

    /// <summary>The fields of one RFC 4180 line (quoted fields may hold commas and doubled quotes).</summary>
    private static string[] Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        fields.Add(field.ToString());
        return [.. fields];
    }

    private static readonly double[] NoClasses = [0];

    private static double Num(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

    private static void AssertSamePoint(RecoveryPoint expected, RecoveryPoint actual)
    {
        Assert.Equal(expected with { ClassAccuracy = NoClasses }, actual with { ClassAccuracy = NoClasses });
        Assert.Equal(expected.ClassAccuracy, actual.ClassAccuracy);
    }
}
