using Microsoft.Data.Sqlite;
using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Tests.Store;

/// <summary>
/// The store's schema versions: stores written by older builds (their SQL written out here as fixtures, as those
/// builds wrote it) open migrated with their data intact; a store of a newer version is refused naming both versions.
/// </summary>
public sealed class StoreSchemaTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Version 2 as the previous build wrote it: meta and ablations (with effect); the data limit inside the data spec.</summary>
    private const string Version2Sql = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE ablations(
            key TEXT PRIMARY KEY,
            study TEXT NOT NULL,
            units TEXT NOT NULL,
            mode TEXT NOT NULL,
            accuracy REAL,
            class_accuracy TEXT NOT NULL,
            mean_loss REAL,
            class_mean_loss TEXT NOT NULL,
            correct BLOB NOT NULL,
            non_finite INTEGER NOT NULL,
            seconds REAL,
            created TEXT NOT NULL,
            effect TEXT);
        INSERT INTO meta(key, value) VALUES
            ('schema_version', '2'),
            ('model_sha256', '3f1c0ffee0000000000000000000000000000000000000000000000000000abc'),
            ('model_path', '/models/mlp.onnx'),
            ('data_spec', 'npy:/data/x.npy,/data/y.npy (first 10)'),
            ('samples', '10'),
            ('classes', '3'),
            ('class_names', '["c0","c1","c2"]'),
            ('labels', '[0,1,2,0,1,2,0,1,2,0]'),
            ('seed', '7'),
            ('extra', '{"engine":"old"}'),
            ('created', '2026-01-01T00:00:00.0000000Z'),
            ('skipped:/conv/Conv', 'zero-out unavailable'),
            ('order:cumulative:fc1:metric-l1', '2,0,1');
        INSERT INTO ablations VALUES
            ('baseline', 'baseline', '[]', 'none', 0.8, '[0.75,1,null]', 0.5, '[0.25,"Infinity",null]', X'FF03', 0, 0.125, '2026-01-01T00:00:01Z', NULL),
            -- effect: [agreement, kl, top score change, drift, cosine, class agreement…]
            ('zero-in|fc1:3,15', 'single', '[{"layer":"fc1","units":[3,15]}]', 'zero-in', 0.5, '[0.5,0.25,null]', 1.5, '[1,2,null]', X'0F01', 1, 0.25, '2026-01-01T00:00:02Z',             '[0.5,0.25,-1,0.125,0.9,1,0,null]');
        """;

    /// <summary>What version 2 added on the first recovery point (outside the schema), with one point.</summary>
    private const string Version2RecoverySql = """
        CREATE TABLE IF NOT EXISTS recovery(
            run TEXT NOT NULL,
            damage TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            train_loss REAL,
            accuracy REAL,
            class_accuracy TEXT NOT NULL,
            test_loss REAL,
            seconds REAL,
            PRIMARY KEY(run, epoch));
        INSERT INTO recovery VALUES ('pair-0-1', 'fc1:0,1', 1, 0.75, 0.6, '[0.5,1,null]', 0.9, 2.5);
        """;

    /// <summary>Version 1: as version 2 without the effect column.</summary>
    private const string Version1Sql = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE ablations(
            key TEXT PRIMARY KEY,
            study TEXT NOT NULL,
            units TEXT NOT NULL,
            mode TEXT NOT NULL,
            accuracy REAL,
            class_accuracy TEXT NOT NULL,
            mean_loss REAL,
            class_mean_loss TEXT NOT NULL,
            correct BLOB NOT NULL,
            non_finite INTEGER NOT NULL,
            seconds REAL,
            created TEXT NOT NULL);
        INSERT INTO meta(key, value) VALUES
            ('schema_version', '1'),
            ('model_sha256', '3f1c0ffee0000000000000000000000000000000000000000000000000000abc'),
            ('model_path', '/models/mlp.onnx'),
            ('data_spec', 'npy:/data/x.npy,/data/y.npy'),
            ('samples', '10'),
            ('classes', '3'),
            ('class_names', '["c0","c1","c2"]'),
            ('labels', '[0,1,2,0,1,2,0,1,2,0]'),
            ('seed', '7'),
            ('extra', '{}'),
            ('created', '2025-01-01T00:00:00.0000000Z');
        INSERT INTO ablations VALUES
            ('baseline', 'baseline', '[]', 'none', 0.8, '[0.75,1,null]', 0.5, '[0.25,0.5,null]', X'FF03', 0, 0.125, '2025-01-01T00:00:01Z');
        """;

    /// <summary>Version 3 as the previous build wrote it: the recovery table in the schema, the limit as data_limit; no samples or interval.</summary>
    private static string Version3Sql => Version2Sql
        .Replace("('schema_version', '2')", "('schema_version', '3')", StringComparison.Ordinal)
        .Replace("('data_spec', 'npy:/data/x.npy,/data/y.npy (first 10)')", "('data_spec', 'npy:/data/x.npy,/data/y.npy'), ('data_limit', '10')", StringComparison.Ordinal)
        + "\n" + Version2RecoverySql;

    private string Fixture(string name, params string[] sql)
    {
        string path = P(name);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        foreach (var s in sql) Exec(c, s);
        return path;
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string? Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The metadata a run of this build on the version-2 fixture's model and data has.</summary>
    private static StoreMetadata Meta => StoreTestData.Meta(samples: 10, classes: 3, labels: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]) with { DataLimit = 10 };

    [Fact]
    public void Migrations_are_numbered_one_step_at_a_time_up_to_the_schema_version()
    {
        Assert.Equal(Enumerable.Range(2, StoreMigrations.All.Count), StoreMigrations.All.Select(m => m.Version));
        Assert.Equal(4, ResultStore.SchemaVersion);
        Assert.Equal(StoreMigrations.All[^1].Version, ResultStore.SchemaVersion);
    }

    [Fact]
    public void A_version_2_store_opens_migrated_with_its_data_intact_and_resumes_under_this_builds_metadata()
    {
        string path = Fixture("v2.db", Version2Sql, Version2RecoverySql);
        using (var store = ResultStore.Open(path, Meta)) // the same run now: spec and limit apart
        {
            Assert.Equal("npy:/data/x.npy,/data/y.npy", store.Metadata.DataSpec);
            Assert.Equal(10, store.Metadata.DataLimit);
            Assert.Equal("npy:/data/x.npy,/data/y.npy (first 10)", store.Metadata.DataText);
            Assert.Equal("old", store.Metadata.Extra["engine"]);
            var all = store.All();
            Assert.Equal(["baseline", "zero-in|fc1:3,15"], all.Select(r => r.Key));
            Assert.Equal(0.8, all[0].Accuracy);
            Assert.True(double.IsPositiveInfinity(all[0].ClassMeanLoss[1]));
            Assert.True(double.IsNaN(all[0].ClassAccuracy[2]));
            Assert.Equal([0xFF, 0x03], all[0].Correct);
            Assert.Null(all[0].Effect);
            Assert.Equal([new UnitSet("fc1", [3, 15]).ToString()], all[1].Units.Select(u => u.ToString()));
            Assert.Equal(0.125, all[1].Effect!.Drift);
            Assert.Equal(0.25, all[1].Effect!.Kl);
            Assert.Equal([1, 0, double.NaN], all[1].Effect!.ClassAgreement);
            Assert.Equal(1, all[1].NonFinite);
            var point = Assert.Single(store.RecoveryPoints());
            Assert.Equal(new RecoveryPoint("pair-0-1", "fc1:0,1", 1, 0.75, 0.6, point.ClassAccuracy, 0.9, 2.5), point);
            Assert.Equal([0.5, 1, double.NaN], point.ClassAccuracy);
            Assert.Equal([("/conv/Conv", "zero-out unavailable")], store.Skipped());
            Assert.Equal([2, 0, 1], store.Orders()["cumulative:fc1:metric-l1"]);
            store.Add(StoreTestData.Record(Meta, "zero-in|fc1:1", 5)); // resumable
        }
        Assert.Equal("4", Scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal("10", Scalar(path, "SELECT value FROM meta WHERE key = 'data_limit'"));
        Assert.Equal("npy:/data/x.npy,/data/y.npy", Scalar(path, "SELECT value FROM meta WHERE key = 'data_spec'"));
        Assert.Equal("3", Scalar(path, "SELECT COUNT(*) FROM ablations"));

        // A run without the limit is another run.
        var ex = Assert.Throws<StoreMismatchException>(() => ResultStore.Open(path, Meta with { DataLimit = null }));
        Assert.Equal("data_limit", ex.Field);
    }

    [Fact]
    public void A_version_3_store_opens_migrated_as_an_exact_study_and_takes_adaptive_results_after_it()
    {
        string path = Fixture("v3.db", Version3Sql);
        using (var store = ResultStore.Open(path, Meta))
        {
            Assert.Null(store.Metadata.Adaptive);
            var all = store.All();
            Assert.Equal(["baseline", "zero-in|fc1:3,15"], all.Select(r => r.Key));
            Assert.All(all, r => Assert.Null(r.Samples));
            Assert.All(all, r => Assert.Null(r.Interval));
            Assert.Equal(0.5, all[1].Accuracy);
            Assert.Equal(0.125, all[1].Effect!.Drift);
        }
        Assert.Equal("4", Scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        // an adaptive run is another run
        var ex = Assert.Throws<StoreMismatchException>(() => ResultStore.Open(path, Meta with { Adaptive = "eps=1 points" }));
        Assert.Equal("adaptive", ex.Field);

        string adaptive = P("adaptive.db");
        var record = StoreTestData.Record(Meta, "zero-in|fc1:1", 5) with { Samples = 256, Interval = 0.0125 };
        using (var store = ResultStore.Open(adaptive, Meta with { Adaptive = "eps=1 points" }))
            store.Add(record);
        using (var store = ResultStore.Open(adaptive, Meta with { Adaptive = "eps=1 points" }))
        {
            Assert.Equal("eps=1 points", store.Metadata.Adaptive);
            StoreTestData.AssertSame(record, Assert.Single(store.All()));
            store.Add(record); // the same result again: fine
            var other = Assert.Throws<StoreConflictException>(() => store.Add(record with { Samples = 512 }));
            Assert.Contains("samples 256 vs 512", other.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_version_2_store_without_recovery_gets_the_recovery_table()
    {
        string path = Fixture("v2-plain.db", Version2Sql);
        using (var store = ResultStore.OpenExisting(path))
        {
            Assert.Empty(store.RecoveryPoints());
            store.AddRecoveryPoint(new RecoveryPoint("r", "fc1:0", 0, double.NaN, 0.5, [1, 0, double.NaN], 1, 0));
        }
        Assert.Equal("ablations,meta,recovery", Scalar(path, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"));
        Assert.Equal("1", Scalar(path, "SELECT COUNT(*) FROM recovery"));
    }

    [Fact]
    public void A_version_1_store_is_migrated_through_every_step()
    {
        string path = Fixture("v1.db", Version1Sql);
        var meta = Meta with { DataLimit = null, Extra = new Dictionary<string, string>() };
        using (var store = ResultStore.Open(path, meta))
        {
            var baseline = Assert.Single(store.All());
            Assert.Null(baseline.Effect);
            Assert.Equal([0.75, 1, double.NaN], baseline.ClassAccuracy);
            Assert.Null(store.Metadata.DataLimit);
            Assert.Equal("npy:/data/x.npy,/data/y.npy", store.Metadata.DataSpec);
            Assert.Empty(store.RecoveryPoints());
        }
        Assert.Equal("4", Scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal("0", Scalar(path, "SELECT COUNT(*) FROM meta WHERE key = 'data_limit'")); // no limit: no entry
        Assert.Equal("key,study,units,mode,accuracy,class_accuracy,mean_loss,class_mean_loss,correct,non_finite,seconds,created,effect,samples,interval",
            Scalar(path, "SELECT group_concat(name, ',') FROM pragma_table_info('ablations')"));
    }

    [Fact]
    public void A_store_of_a_newer_version_is_refused_naming_both_versions()
    {
        string path = Fixture("future.db", Version2Sql, "UPDATE meta SET value = '9' WHERE key = 'schema_version'; CREATE TABLE novelty(x);");
        foreach (var open in new Func<ResultStore>[] { () => ResultStore.OpenExisting(path), () => ResultStore.Open(path, Meta) })
        {
            var ex = Assert.Throws<StoreFormatException>(() => open().Dispose());
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("schema version 9", ex.Message, StringComparison.Ordinal);
            Assert.Contains("versions 1 to 4", ex.Message, StringComparison.Ordinal);
            Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal("9", Scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'")); // left untouched
        Assert.Equal("npy:/data/x.npy,/data/y.npy (first 10)", Scalar(path, "SELECT value FROM meta WHERE key = 'data_spec'"));
    }

    [Fact]
    public void A_store_of_no_known_version_is_refused()
    {
        string path = Fixture("odd.db", Version2Sql, "UPDATE meta SET value = 'two' WHERE key = 'schema_version'");
        var ex = Assert.Throws<StoreFormatException>(() => ResultStore.OpenExisting(path).Dispose());
        Assert.Contains("schema version 'two'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("versions 1 to 4", ex.Message, StringComparison.Ordinal);
    }
}
