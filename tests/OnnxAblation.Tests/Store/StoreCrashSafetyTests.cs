using OnnxAblation.Ablation.Store;
using static OnnxAblation.Tests.Store.StoreTestData;

namespace OnnxAblation.Tests.Store;

/// <summary>
/// What a SIGKILL leaves on disk: the database file and its -wal file as they are at that instant (every write()
/// the process made is in the page cache; nothing more). A writer thread adds records in a loop while the test copies
/// both files byte for byte at random moments; every copy must open, pass SQLite's integrity check, and hold exactly
/// a prefix of the written records, at least every record whose Add had returned before the copy began.
/// <para>
/// To be a faithful picture of one instant, the -wal is copied after the main file and the snapshot is kept only if
/// the WAL was not restarted in between (same 32-byte WAL header before and after): then every page a checkpoint
/// wrote into the main file meanwhile is still in the copied WAL, which takes precedence.
/// </para>
/// </summary>
public sealed class StoreCrashSafetyTests : IDisposable
{
    private const int HeaderBytes = 32;
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Key(int i) => "zero-in|fc1:" + i;

    [Fact]
    public void Snapshots_taken_during_writes_open_intact_with_a_prefix_of_the_records()
    {
        // 500 bytes of correctness bits a record: a few WAL pages per commit, so auto-checkpoints (every 1000 pages) happen.
        var meta = Meta(samples: 4000, classes: 10);
        string live = Path.Combine(_dir, "live.sqlite");
        const int total = 2000, burst = 80;
        var expected = Enumerable.Range(0, total).Select(i => Record(meta, Key(i), i)).ToArray();
        int completed = 0, attempts = 0;
        bool stop = false;
        Exception? writerError = null;

        using var store = ResultStore.Open(live, meta);
        // The writer runs in bursts of ~100 records, one burst ahead of the snapshots, so the store stays small and
        // every snapshot lands at a random moment of a burst (in an Add, a commit, a checkpoint...).
        var writer = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < total; i++)
                {
                    while (i >= (Volatile.Read(ref attempts) + 1) * burst && !Volatile.Read(ref stop)) Thread.Sleep(1);
                    if (Volatile.Read(ref stop)) return;
                    store.Add(expected[i]);
                    Volatile.Write(ref completed, i + 1);
                }
            }
            catch (Exception ex)
            {
                writerError = ex;
            }
        });
        writer.Start();

        var rng = new Random(1234);
        int snapshots = 0, discarded = 0;
        var walGenerations = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (writer.IsAlive)
            {
                Thread.Sleep(rng.Next(0, 6));
                int before = Volatile.Read(ref completed);
                string dir = Path.Combine(_dir, "snap" + attempts);
                Directory.CreateDirectory(dir);
                string copy = Path.Combine(dir, "store.sqlite");
                byte[] walHeaderBefore = ReadPrefix(live + "-wal", HeaderBytes);
                CopyLive(live, copy);
                CopyLive(live + "-wal", copy + "-wal");
                int after = Volatile.Read(ref completed);
                if (walHeaderBefore.AsSpan().SequenceEqual(ReadPrefix(copy + "-wal", HeaderBytes)))
                {
                    snapshots++;
                    walGenerations.Add(Convert.ToHexString(walHeaderBefore));
                    Verify(copy, meta, expected, before, after);
                }
                else
                {
                    discarded++; // the WAL restarted during the copy: not a single instant
                }
                Directory.Delete(dir, recursive: true);
                Interlocked.Increment(ref attempts);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            writer.Join();
        }
        Assert.Null(writerError);
        Assert.Equal(total, store.Count);
        Assert.Equal("ok", store.CheckIntegrity());
        Assert.True(snapshots >= 12, $"only {snapshots} usable snapshots ({discarded} discarded)");
        Assert.True(walGenerations.Count >= 3, $"snapshots saw only {walGenerations.Count} WAL generations: too few checkpoints to test");
    }

    /// <summary>
    /// Opens a snapshot as a restarted run would: it must hold records 0..m-1 exactly, with every Add that had
    /// returned before the copy (≥ <paramref name="minRecords"/>) and at most the one in flight after it.
    /// </summary>
    private static void Verify(string path, StoreMetadata meta, AblationRecord[] expected, int minRecords, int maxCompleted)
    {
        using var reopened = ResultStore.Open(path, meta); // recovers the WAL, runs quick_check
        Assert.Equal("ok", reopened.CheckIntegrity());
        var records = reopened.All();
        Assert.True(records.Count >= minRecords, $"{path}: {records.Count} records, but {minRecords} Adds had returned before the copy");
        Assert.True(records.Count <= maxCompleted + 1, $"{path}: {records.Count} records, but only {maxCompleted} Adds had returned after the copy");
        for (int i = 0; i < records.Count; i++) AssertSame(expected[i], records[i]);
        // the resumed store takes the next record
        Assert.False(reopened.Contains(Key(records.Count)));
        if (records.Count < expected.Length) Assert.True(reopened.Add(expected[records.Count]));
    }

    /// <summary>
    /// Copies a file SQLite is writing. (Closing this descriptor drops the process's POSIX locks on the file, a known
    /// SQLite caveat; harmless here, as the writer's connection is the only one on the live store.)
    /// </summary>
    private static void CopyLive(string from, string to)
    {
        if (!File.Exists(from)) return;
        using var src = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var dst = new FileStream(to, FileMode.CreateNew, FileAccess.Write);
        src.CopyTo(dst);
    }

    private static byte[] ReadPrefix(string path, int count)
    {
        if (!File.Exists(path)) return [];
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[count];
        int n = f.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer[..n];
    }
}
