using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The results of one study run: a single SQLite file holding the run's metadata (model hash, data spec, labels...)
/// and one row per evaluated ablation (plus the baseline, key "baseline").
/// <para>
/// Crash safety: the file is in WAL journal mode and every <see cref="Add"/> is its own committed transaction, so a
/// killed process (SIGKILL, OOM killer, job time limit) loses at most the ablation being evaluated and leaves a store
/// that reopens intact; a rerun resumes by skipping keys already <see cref="Contains">contained</see>.
/// </para>
/// <para>Thread-safe: calls are serialised on one connection. Several processes may share a file (SQLite locking),
/// but shards normally write separate files that <see cref="Sharding.StoreMerger"/> merges.</para>
/// </summary>
public sealed class ResultStore : IDisposable
{
    /// <summary>Version of the table layout written by this build; a store of another version is refused.</summary>
    /// Version 2 added the <c>effect</c> column (effects against the intact model); version-1 stores are migrated on open.
    public const int SchemaVersion = 2;

    private const string RecordColumns =
        "key, study, units, mode, accuracy, class_accuracy, mean_loss, class_mean_loss, correct, non_finite, seconds, effect";

    private const string CreateSchemaSql = """
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
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private bool _disposed;

    private ResultStore(string path, SqliteConnection connection, StoreMetadata metadata)
    {
        Path = path;
        _connection = connection;
        Metadata = metadata;
    }

    /// <summary>Full path of the store file.</summary>
    public string Path { get; }

    /// <summary>The metadata recorded when the store was created (model path and extra fields of that first run).</summary>
    public StoreMetadata Metadata { get; }

    /// <summary>Number of stored records, the baseline included.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return Guard("count records", () =>
                {
                    using var cmd = Command("SELECT COUNT(*) FROM ablations");
                    return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                });
            }
        }
    }

    /// <summary>
    /// Creates the store at <paramref name="path"/> for <paramref name="meta"/>, or opens the existing one to resume.
    /// </summary>
    /// <exception cref="StoreMismatchException">The existing store was written for another model hash, data spec,
    /// sample count, class count or label set.</exception>
    /// <exception cref="StoreFormatException">The file is not a SQLite database, is damaged, or is not a result store
    /// of this schema version.</exception>
    public static ResultStore Open(string path, StoreMetadata meta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(meta);
        string full = System.IO.Path.GetFullPath(path);
        MetadataComparison.Validate(meta, full);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        bool existed = File.Exists(full) && new FileInfo(full).Length > 0;

        var connection = Connect(full, SqliteOpenMode.ReadWriteCreate);
        try
        {
            var stored = ReadFormat(full, () =>
            {
                // IMMEDIATE: a second process creating the same store waits instead of racing CREATE TABLE.
                using var tx = connection.BeginTransaction(deferred: false);
                var tables = Tables(connection, tx);
                if (tables.Count == 0)
                {
                    CreateSchema(connection, tx, meta);
                    tx.Commit();
                    return null;
                }
                CheckOurs(full, tables);
                Migrate(connection, tx);
                var m = ReadMetadata(connection, tx, full);
                tx.Commit();
                return m;
            });
            if (stored is null) return new ResultStore(full, connection, meta);
            if (existed) QuickCheck(connection, full);
            if (MetadataComparison.FirstDifference(stored, meta) is { } d)
                throw new StoreMismatchException(
                    $"{full}: this result store belongs to another run: its {d.Field} is '{d.A}' but this run has '{d.B}'. " +
                    "Use another store file (or delete this one to start over).", full, d.Field, d.A, d.B);
            return new ResultStore(full, connection, stored);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing store whatever its metadata (to export, inspect or merge it).</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="StoreFormatException">The file is not a result store or is damaged.</exception>
    public static ResultStore OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: result store not found", full);
        if (new FileInfo(full).Length == 0) throw new StoreFormatException($"{full}: empty file, not a result store");
        var connection = Connect(full, SqliteOpenMode.ReadWrite);
        try
        {
            var stored = ReadFormat(full, () =>
            {
                var tables = Tables(connection, null);
                if (tables.Count == 0) throw new StoreFormatException($"{full}: SQLite database without tables, not a result store");
                CheckOurs(full, tables);
                using (var tx = connection.BeginTransaction(deferred: false))
                {
                    Migrate(connection, tx);
                    tx.Commit();
                }
                return ReadMetadata(connection, null, full);
            });
            QuickCheck(connection, full);
            return new ResultStore(full, connection, stored);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Whether a record with this key is stored (a resumed run skips it).</summary>
    public bool Contains(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("look up " + key, () =>
            {
                using var cmd = Command("SELECT 1 FROM ablations WHERE key = $key");
                cmd.Parameters.AddWithValue("$key", key);
                return cmd.ExecuteScalar() is not null;
            });
        }
    }

    /// <summary>The record stored under <paramref name="key"/>, or null.</summary>
    public AblationRecord? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("read " + key, () => GetCore(key, null));
        }
    }

    /// <summary>All records in insertion order (the baseline included).</summary>
    public IReadOnlyList<AblationRecord> All()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("read records", () =>
            {
                using var cmd = Command($"SELECT {RecordColumns} FROM ablations ORDER BY rowid");
                using var reader = cmd.ExecuteReader();
                var list = new List<AblationRecord>();
                while (reader.Read()) list.Add(ReadRecord(reader));
                return (IReadOnlyList<AblationRecord>)list;
            });
        }
    }

    /// <summary>
    /// Stores a record in its own committed transaction. A record whose key is already stored is ignored when its
    /// results are equal (returns false: the call is idempotent) and refused when they differ.
    /// </summary>
    /// <returns>True if the record was written, false if an equal one was already stored.</returns>
    /// <exception cref="StoreConflictException">The key is stored with different results (nondeterminism).</exception>
    /// <exception cref="ArgumentException">The record does not fit the store (class or sample count).</exception>
    public bool Add(AblationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Validate(record);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("write " + record.Key, () =>
            {
                using var tx = _connection.BeginTransaction(deferred: false);
                bool added = AddCore(record, tx);
                tx.Commit();
                return added;
            });
        }
    }

    /// <summary>Adds many records in ONE transaction (all or none), as <see cref="Add"/> does each; used by the merger.</summary>
    /// <returns>The number of records written (equal duplicates are not counted).</returns>
    internal int AddAll(IEnumerable<AblationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        foreach (var r in list) Validate(r);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("write records", () =>
            {
                using var tx = _connection.BeginTransaction(deferred: false);
                int added = 0;
                foreach (var r in list)
                    if (AddCore(r, tx)) added++;
                tx.Commit();
                return added;
            });
        }
    }

    /// <summary>Runs SQLite's full integrity check; "ok" or the problems found, one a line.</summary>
    internal string CheckIntegrity()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("check integrity", () =>
            {
                using var cmd = Command("PRAGMA integrity_check");
                using var reader = cmd.ExecuteReader();
                var lines = new List<string>();
                while (reader.Read()) lines.Add(reader.GetString(0));
                return string.Join("\n", lines);
            });
        }
    }

    private const string RecoverySchemaSql = """
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
        """;

    /// <summary>Stores one recovery-curve point in its own transaction (replacing the same run and epoch).</summary>
    public void AddRecoveryPoint(RecoveryPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        lock (_gate)
        {
            ThrowIfDisposed();
            Guard("write recovery " + point.Run, () =>
            {
                using var tx = _connection.BeginTransaction(deferred: false);
                using (var create = Command(RecoverySchemaSql, tx)) create.ExecuteNonQuery();
                using var cmd = Command("INSERT OR REPLACE INTO recovery(run, damage, epoch, train_loss, accuracy, class_accuracy, test_loss, seconds) VALUES ($r, $d, $e, $tl, $a, $ca, $l, $s)", tx);
                cmd.Parameters.AddWithValue("$r", point.Run);
                cmd.Parameters.AddWithValue("$d", point.Damage);
                cmd.Parameters.AddWithValue("$e", point.Epoch);
                cmd.Parameters.AddWithValue("$tl", Real(point.TrainLoss));
                cmd.Parameters.AddWithValue("$a", Real(point.Accuracy));
                cmd.Parameters.AddWithValue("$ca", StoreJson.Doubles(point.ClassAccuracy));
                cmd.Parameters.AddWithValue("$l", Real(point.TestLoss));
                cmd.Parameters.AddWithValue("$s", Real(point.Seconds));
                cmd.ExecuteNonQuery();
                tx.Commit();
                return true;
            });
        }
    }

    /// <summary>Records that a study left <paramref name="layer"/> out, and why (kept in the meta table; exports and reports show it).</summary>
    public void RecordSkipped(string layer, string reason)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            ThrowIfDisposed();
            Guard("record skipped layer " + layer, () =>
            {
                using var cmd = Command("INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)");
                cmd.Parameters.AddWithValue("$k", SkippedPrefix + layer);
                cmd.Parameters.AddWithValue("$v", reason);
                cmd.ExecuteNonQuery();
                return true;
            });
        }
    }

    /// <summary>Layers studies on this store left out, with the reason, by layer name.</summary>
    public IReadOnlyList<(string Layer, string Reason)> Skipped()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("read skipped layers", () =>
            {
                var list = new List<(string, string)>();
                using var cmd = Command("SELECT key, value FROM meta WHERE key LIKE 'skipped:%' ORDER BY key");
                using var r = cmd.ExecuteReader();
                while (r.Read()) list.Add((r.GetString(0)[SkippedPrefix.Length..], r.GetString(1)));
                return list;
            });
        }
    }

    private const string SkippedPrefix = "skipped:";

    private const string OrderPrefix = "order:";

    /// <summary>
    /// Records the unit order of a cumulative study (kept in the meta table), so a report made from the store alone
    /// draws that curve exactly: its prefixes are content-addressed and may be stored under another study's name.
    /// </summary>
    public void RecordOrder(string study, IReadOnlyList<int> order)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(order);
        lock (_gate)
        {
            ThrowIfDisposed();
            Guard("record order " + study, () =>
            {
                using var cmd = Command("INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)");
                cmd.Parameters.AddWithValue("$k", OrderPrefix + study);
                cmd.Parameters.AddWithValue("$v", string.Join(",", order.Select(u => u.ToString(CultureInfo.InvariantCulture))));
                cmd.ExecuteNonQuery();
                return true;
            });
        }
    }

    /// <summary>Unit orders recorded by <see cref="RecordOrder"/>, by study name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Orders()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("read orders", () =>
            {
                var map = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
                using var cmd = Command("SELECT key, value FROM meta WHERE key LIKE 'order:%' ORDER BY key");
                using var r = cmd.ExecuteReader();
                while (r.Read())
                    map[r.GetString(0)[OrderPrefix.Length..]] = r.GetString(1).Split(',', StringSplitOptions.RemoveEmptyEntries)
                        .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                return (IReadOnlyDictionary<string, IReadOnlyList<int>>)map;
            });
        }
    }

    /// <summary>Every stored recovery point, by run then epoch.</summary>
    public IReadOnlyList<RecoveryPoint> RecoveryPoints()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard("read recovery", () =>
            {
                var list = new List<RecoveryPoint>();
                if (!Tables(_connection, null).Contains("recovery")) return list;
                using var cmd = Command("SELECT run, damage, epoch, train_loss, accuracy, class_accuracy, test_loss, seconds FROM recovery ORDER BY run, epoch");
                using var r = cmd.ExecuteReader();
                while (r.Read())
                    list.Add(new RecoveryPoint(r.GetString(0), r.GetString(1), r.GetInt32(2), ReadReal(r, 3), ReadReal(r, 4), StoreJson.ParseDoubles(r.GetString(5)), ReadReal(r, 6), ReadReal(r, 7)));
                return list;
            });
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            // With pooling off, closing the last connection checkpoints the WAL into the main file and deletes it.
            _connection.Dispose();
        }
    }

    public override string ToString() => Path;

    private bool AddCore(AblationRecord record, SqliteTransaction tx)
    {
        if (GetCore(record.Key, tx) is { } existing)
        {
            if (RecordComparison.FirstDifference(existing, record) is { } difference)
                throw new StoreConflictException(
                    $"{Path}: ablation '{record.Key}' is already stored with different results ({difference}, stored vs new). " +
                    "Evaluations should be deterministic: check the runtime settings (threads, execution provider) " +
                    "or that both results come from the same model and data.", record.Key);
            return false;
        }
        using var cmd = Command(
            $"INSERT INTO ablations({RecordColumns}, created) VALUES " +
            "($key, $study, $units, $mode, $accuracy, $class_accuracy, $mean_loss, $class_mean_loss, $correct, $non_finite, $seconds, $effect, $created)",
            tx);
        cmd.Parameters.AddWithValue("$key", record.Key);
        cmd.Parameters.AddWithValue("$study", record.Study);
        cmd.Parameters.AddWithValue("$units", StoreJson.Units(record.Units));
        cmd.Parameters.AddWithValue("$mode", record.Mode);
        cmd.Parameters.AddWithValue("$accuracy", Real(record.Accuracy));
        cmd.Parameters.AddWithValue("$class_accuracy", StoreJson.Doubles(record.ClassAccuracy));
        cmd.Parameters.AddWithValue("$mean_loss", Real(record.MeanLoss));
        cmd.Parameters.AddWithValue("$class_mean_loss", StoreJson.Doubles(record.ClassMeanLoss));
        cmd.Parameters.AddWithValue("$correct", record.Correct);
        cmd.Parameters.AddWithValue("$non_finite", record.NonFinite);
        cmd.Parameters.AddWithValue("$seconds", Real(record.Seconds));
        cmd.Parameters.AddWithValue("$effect", record.Effect is { } e ? StoreJson.Effect(e) : DBNull.Value);
        cmd.Parameters.AddWithValue("$created", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
        return true;
    }

    private AblationRecord? GetCore(string key, SqliteTransaction? tx)
    {
        using var cmd = Command($"SELECT {RecordColumns} FROM ablations WHERE key = $key", tx);
        cmd.Parameters.AddWithValue("$key", key);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadRecord(reader) : null;
    }

    private AblationRecord ReadRecord(SqliteDataReader r)
    {
        string key = r.GetString(0);
        try
        {
            return new AblationRecord
            {
                Key = key,
                Study = r.GetString(1),
                Units = StoreJson.ParseUnits(r.GetString(2)),
                Mode = r.GetString(3),
                Accuracy = ReadReal(r, 4),
                ClassAccuracy = StoreJson.ParseDoubles(r.GetString(5)),
                MeanLoss = ReadReal(r, 6),
                ClassMeanLoss = StoreJson.ParseDoubles(r.GetString(7)),
                Correct = (byte[])r.GetValue(8),
                NonFinite = r.GetInt32(9),
                Seconds = ReadReal(r, 10),
                Effect = r.IsDBNull(11) ? null : StoreJson.ParseEffect(r.GetString(11)),
            };
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException
                                       or InvalidCastException or KeyNotFoundException)
        {
            throw new StoreFormatException($"{Path}: stored ablation '{key}' cannot be read: {ex.Message}", ex);
        }
    }

    private void Validate(AblationRecord record)
    {
        if (string.IsNullOrEmpty(record.Key)) throw new ArgumentException($"{Path}: an ablation record has an empty key", nameof(record));
        var m = Metadata;
        string Where() => $"{Path}: ablation '{record.Key}'";
        if (record.Study is null || record.Mode is null || record.Units is null || record.ClassAccuracy is null || record.ClassMeanLoss is null || record.Correct is null)
            throw new ArgumentException($"{Where()} has a null field", nameof(record));
        if (record.Units.Any(u => u?.Layer is null || u.Units is null))
            throw new ArgumentException($"{Where()} has a unit set without a layer name or units", nameof(record));
        if (record.ClassAccuracy.Length != m.Classes)
            throw new ArgumentException(F($"{Where()} has {record.ClassAccuracy.Length} class accuracies; the store has {m.Classes} classes"), nameof(record));
        if (record.ClassMeanLoss.Length != m.Classes)
            throw new ArgumentException(F($"{Where()} has {record.ClassMeanLoss.Length} class mean losses; the store has {m.Classes} classes"), nameof(record));
        int bytes = (m.Samples + 7) / 8;
        if (record.Correct.Length != bytes)
            throw new ArgumentException(F($"{Where()} has {record.Correct.Length} bytes of correctness bits; {m.Samples} samples need {bytes}"), nameof(record));
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null) => Command(_connection, sql, tx);

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? tx)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    /// <summary>Turns SQLite errors during normal use (disk full, file deleted or damaged...) into errors naming the file.</summary>
    private T Guard<T>(string what, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteException ex)
        {
            if (ex.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
                throw new StoreFormatException($"{Path}: result store is damaged ({what}: {ex.Message})", ex);
            throw new IOException($"{Path}: result store: cannot {what}: {ex.Message}", ex);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            // No pooling: the file is really closed (and its WAL checkpointed away) on Dispose.
            Pooling = false,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            ReadFormat(path, () =>
            {
                connection.Open();
                // The first statement reads the header: a file that is not SQLite fails here (SQLITE_NOTADB).
                using (var cmd = Command(connection, "PRAGMA journal_mode=WAL", null))
                {
                    string journal = Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
                    // WAL + synchronous=NORMAL: a commit is written to the -wal file before Add returns (no fsync), so
                    // it survives the process being killed at any point, and a half-written transaction is discarded
                    // on the next open (frame checksums): never corruption. Only an OS crash or power cut may lose the
                    // last commits (still without corruption).
                    // If WAL cannot be used (some network file systems), the rollback journal with synchronous=FULL is
                    // just as safe, only slower.
                    string sync = journal.Equals("wal", StringComparison.OrdinalIgnoreCase) ? "NORMAL" : "FULL";
                    using var pragma = Command(connection, $"PRAGMA synchronous={sync}", null);
                    pragma.ExecuteNonQuery();
                }
                return true;
            });
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    /// <summary>Runs the opening steps, turning SQLite errors into a <see cref="StoreFormatException"/> naming the file.</summary>
    private static T ReadFormat<T>(string path, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteException ex)
        {
            string what = ex.SqliteErrorCode switch
            {
                26 => "not a SQLite database",
                11 => "damaged SQLite database (truncated or overwritten)",
                _ => "cannot be opened as a result store",
            };
            throw new StoreFormatException($"{path}: {what} ({ex.Message})", ex);
        }
    }

    private static List<string> Tables(SqliteConnection c, SqliteTransaction? tx)
    {
        using var cmd = Command(c, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", tx);
        using var reader = cmd.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    private static void CheckOurs(string path, List<string> tables)
    {
        if (!tables.Contains("meta") || !tables.Contains("ablations"))
            throw new StoreFormatException(
                $"{path}: a SQLite database but not an ablation result store (tables: {string.Join(", ", tables)})");
    }

    private static void QuickCheck(SqliteConnection c, string path)
    {
        ReadFormat(path, () =>
        {
            using var cmd = Command(c, "PRAGMA quick_check(5)", null);
            using var reader = cmd.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read()) problems.Add(reader.GetString(0));
            if (problems is not ["ok"])
                throw new StoreFormatException($"{path}: damaged result store: {string.Join("; ", problems)}");
            return true;
        });
    }

    private static void CreateSchema(SqliteConnection c, SqliteTransaction tx, StoreMetadata meta)
    {
        using (var cmd = Command(c, CreateSchemaSql, tx))
            cmd.ExecuteNonQuery();
        var values = new Dictionary<string, string>
        {
            ["schema_version"] = I(SchemaVersion),
            ["model_sha256"] = meta.ModelSha256,
            ["model_path"] = meta.ModelPath ?? "",
            ["data_spec"] = meta.DataSpec,
            ["samples"] = I(meta.Samples),
            ["classes"] = I(meta.Classes),
            ["class_names"] = StoreJson.Strings(meta.ClassNames),
            ["labels"] = StoreJson.Ints(meta.Labels),
            ["seed"] = I(meta.Seed),
            ["extra"] = StoreJson.Map(meta.Extra ?? new Dictionary<string, string>()),
            ["created"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        using var insert = Command(c, "INSERT INTO meta(key, value) VALUES ($key, $value)", tx);
        var k = insert.Parameters.Add("$key", SqliteType.Text);
        var v = insert.Parameters.Add("$value", SqliteType.Text);
        foreach (var (key, value) in values)
        {
            k.Value = key;
            v.Value = value;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Brings a store of an older schema version to this one, losing nothing (version 1 → 2: an empty effect column).</summary>
    private static void Migrate(SqliteConnection c, SqliteTransaction tx)
    {
        using var get = Command(c, "SELECT value FROM meta WHERE key = 'schema_version'", tx);
        if (get.ExecuteScalar() is not "1") return;
        using (var alter = Command(c, "ALTER TABLE ablations ADD COLUMN effect TEXT", tx)) alter.ExecuteNonQuery();
        using var set = Command(c, "UPDATE meta SET value = $v WHERE key = 'schema_version'", tx);
        set.Parameters.AddWithValue("$v", I(SchemaVersion));
        set.ExecuteNonQuery();
    }

    private static StoreMetadata ReadMetadata(SqliteConnection c, SqliteTransaction? tx, string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var cmd = Command(c, "SELECT key, value FROM meta", tx))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read())
                values[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);

        string Get(string key) => values.TryGetValue(key, out var v)
            ? v
            : throw new StoreFormatException($"{path}: the store's meta table has no '{key}' entry (not a result store, or damaged)");

        string version = Get("schema_version");
        if (version != I(SchemaVersion))
            throw new StoreFormatException(
                $"{path}: result store schema version {version}; this build reads version {I(SchemaVersion)}");
        try
        {
            return new StoreMetadata
            {
                ModelSha256 = Get("model_sha256"),
                ModelPath = Get("model_path"),
                DataSpec = Get("data_spec"),
                Samples = int.Parse(Get("samples"), NumberStyles.Integer, CultureInfo.InvariantCulture),
                Classes = int.Parse(Get("classes"), NumberStyles.Integer, CultureInfo.InvariantCulture),
                ClassNames = StoreJson.ParseStrings(Get("class_names")),
                Labels = StoreJson.ParseInts(Get("labels")),
                Seed = int.Parse(Get("seed"), NumberStyles.Integer, CultureInfo.InvariantCulture),
                Extra = StoreJson.ParseMap(Get("extra")),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new StoreFormatException($"{path}: the store's metadata cannot be read: {ex.Message}", ex);
        }
    }

    private static object Real(double v) => double.IsNaN(v) ? DBNull.Value : v; // SQLite stores NaN as NULL anyway

    private static double ReadReal(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
