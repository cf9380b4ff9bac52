using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The results of one study run: a single SQLite file holding the run's metadata (model hash, data spec and limit,
/// labels...), one row per evaluated ablation (plus the baseline, key <see cref="AblationKey.Baseline"/>) and the
/// recovery curves trained from it. The tables and their versions: <see cref="StoreSchema"/>; older stores are
/// migrated on open (<see cref="StoreMigrations"/>), a store of a newer version is refused naming both versions.
/// <para>
/// Crash safety: the file is in WAL journal mode and every <see cref="Add"/> is its own committed transaction, so a
/// killed process (SIGKILL, OOM killer, job time limit) loses at most the ablation being evaluated and leaves a store
/// that reopens intact; a rerun resumes by skipping keys already <see cref="Contains">contained</see>.
/// </para>
/// <para>Thread-safe: calls are serialised on one connection. One process at a time writes a store (<see cref="Open"/>
/// holds <see cref="StoreLock"/>; a second writer is refused); readers (<see cref="OpenExisting"/>) may look on.
/// Shards write separate files that <see cref="Sharding.StoreMerger"/> merges.</para>
/// </summary>
public sealed class ResultStore : IDisposable
{
    /// <summary>Version of the table layout written by this build; older stores are migrated on open, newer ones refused.</summary>
    /// Version 2 added the <c>effect</c> column; version 3 the <c>recovery</c> table and the <c>data_limit</c> entry.
    public static int SchemaVersion => StoreSchema.Version;

    private readonly SqliteConnection _connection;
    private readonly StoreLock? _writer;
    private readonly Lock _gate = new();
    private bool _disposed;

    private ResultStore(string path, SqliteConnection connection, StoreMetadata metadata, StoreLock? writer = null)
    {
        _writer = writer;
        Path = path;
        _connection = connection;
        Metadata = metadata;
    }

    /// <summary>Full path of the store file.</summary>
    public string Path { get; }

    /// <summary>The metadata recorded when the store was created (model path and extra fields of that first run).</summary>
    public StoreMetadata Metadata { get; }

    /// <summary>Number of stored records, the baseline included.</summary>
    public int Count => Locked("count records", () => AblationRows.Count(_connection));

    /// <summary>
    /// Creates the store at <paramref name="path"/> for <paramref name="meta"/>, or opens the existing one to resume.
    /// </summary>
    /// <exception cref="StoreMismatchException">The existing store was written for another model hash, data spec,
    /// data limit, sample count, class count or label set.</exception>
    /// <exception cref="StoreFormatException">The file is not a SQLite database, is damaged, is not a result store, or
    /// is of a newer schema version than this build.</exception>
    public static ResultStore Open(string path, StoreMetadata meta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(meta);
        string full = System.IO.Path.GetFullPath(path);
        MetadataComparison.Validate(meta, full);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        bool existed = File.Exists(full) && new FileInfo(full).Length > 0;

        var writer = StoreLock.Acquire(full);
        SqliteConnection connection;
        try
        {
            connection = StoreSql.Connect(full, SqliteOpenMode.ReadWriteCreate);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        try
        {
            var stored = StoreSql.Opening(full, () =>
            {
                // IMMEDIATE: a second process creating the same store waits instead of racing CREATE TABLE.
                using var tx = connection.BeginTransaction(deferred: false);
                var tables = StoreSql.Tables(connection, tx);
                if (tables.Count == 0)
                {
                    StoreSchema.Create(connection, tx, meta);
                    tx.Commit();
                    return null;
                }
                StoreSchema.CheckOurs(full, tables);
                StoreSchema.Migrate(full, connection, tx);
                var m = MetadataRows.Read(connection, tx, full);
                tx.Commit();
                return m;
            });
            if (stored is null) return new ResultStore(full, connection, meta, writer);
            if (existed) StoreSql.QuickCheck(connection, full);
            if (MetadataComparison.FirstDifference(stored, meta) is { } d)
                throw new StoreMismatchException(
                    $"{full}: this result store belongs to another run: its {d.Field} is '{d.A}' but this run has '{d.B}'. " +
                    "Use another store file (or delete this one to start over).", full, d.Field, d.A, d.B);
            return new ResultStore(full, connection, stored, writer);
        }
        catch
        {
            connection.Dispose();
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing store whatever its metadata (to export, inspect or merge it), migrating an older one.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="StoreFormatException">The file is not a result store, is damaged, or is of a newer schema version.</exception>
    public static ResultStore OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: result store not found", full);
        if (new FileInfo(full).Length == 0) throw new StoreFormatException($"{full}: empty file, not a result store");
        var connection = StoreSql.Connect(full, SqliteOpenMode.ReadWrite);
        try
        {
            var stored = StoreSql.Opening(full, () =>
            {
                var tables = StoreSql.Tables(connection, null);
                if (tables.Count == 0) throw new StoreFormatException($"{full}: SQLite database without tables, not a result store");
                StoreSchema.CheckOurs(full, tables);
                using (var tx = connection.BeginTransaction(deferred: false))
                {
                    StoreSchema.Migrate(full, connection, tx);
                    tx.Commit();
                }
                return MetadataRows.Read(connection, null, full);
            });
            StoreSql.QuickCheck(connection, full);
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
        return Locked("look up " + key, () => AblationRows.Contains(_connection, key));
    }

    /// <summary>The record stored under <paramref name="key"/>, or null.</summary>
    public AblationRecord? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Locked("read " + key, () => AblationRows.Get(_connection, null, key, Path));
    }

    /// <summary>All records in insertion order (the baseline included).</summary>
    public IReadOnlyList<AblationRecord> All() => Locked("read records", () => (IReadOnlyList<AblationRecord>)AblationRows.All(_connection, Path));

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
        RecordValidation.Validate(record, Metadata, Path);
        return Locked("write " + record.Key, () =>
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            bool added = AddCore(record, tx);
            tx.Commit();
            return added;
        });
    }

    /// <summary>Stores one recovery-curve point in its own transaction (replacing the same run and epoch).</summary>
    public void AddRecoveryPoint(RecoveryPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        Locked("write recovery " + point.Run, () =>
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            RecoveryRows.Put(_connection, tx, point);
            tx.Commit();
            return true;
        });
    }

    /// <summary>Every stored recovery point, by run then epoch.</summary>
    public IReadOnlyList<RecoveryPoint> RecoveryPoints() =>
        Locked("read recovery", () => (IReadOnlyList<RecoveryPoint>)RecoveryRows.All(_connection, Path));

    /// <summary>Records that a study left <paramref name="layer"/> out, and why (kept in the meta table; exports and reports show it).</summary>
    public void RecordSkipped(string layer, string reason)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(reason);
        Locked("record skipped layer " + layer, () =>
        {
            MetadataRows.Put(_connection, null, MetadataRows.SkippedPrefix + layer, reason);
            return true;
        });
    }

    /// <summary>
    /// Records which path evaluated <paramref name="layer"/>'s ablations: "fast" or "reference: WHY". A reference-path
    /// entry is kept once written (some of the layer's ablations took it).
    /// </summary>
    public void RecordPath(string layer, string path)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(path);
        Locked("record evaluation path of " + layer, () =>
        {
            var had = MetadataRows.WithPrefix(_connection, MetadataRows.PathPrefix).FirstOrDefault(x => x.Item1 == layer).Item2;
            if (had is null || !had.StartsWith("reference", StringComparison.Ordinal))
                MetadataRows.Put(_connection, null, MetadataRows.PathPrefix + layer, path);
            return true;
        });
    }

    /// <summary>Per layer, the path that evaluated its ablations ("fast" or "reference: WHY"), by layer name.</summary>
    public IReadOnlyList<(string Layer, string Path)> Paths() =>
        Locked("read evaluation paths", () => (IReadOnlyList<(string, string)>)MetadataRows.WithPrefix(_connection, MetadataRows.PathPrefix));

    /// <summary>Layers studies on this store left out, with the reason, by layer name.</summary>
    public IReadOnlyList<(string Layer, string Reason)> Skipped() =>
        Locked("read skipped layers", () => (IReadOnlyList<(string, string)>)MetadataRows.WithPrefix(_connection, MetadataRows.SkippedPrefix));

    /// <summary>
    /// Records the unit order of a cumulative study (kept in the meta table), so a report made from the store alone
    /// draws that curve exactly: its prefixes are content-addressed and may be stored under another study's name.
    /// </summary>
    public void RecordOrder(string study, IReadOnlyList<int> order)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(order);
        Locked("record order " + study, () =>
        {
            MetadataRows.Put(_connection, null, MetadataRows.OrderPrefix + study, OrderText(order));
            return true;
        });
    }

    /// <summary>Unit orders recorded by <see cref="RecordOrder"/>, by study name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Orders() =>
        Locked("read orders", () => (IReadOnlyDictionary<string, IReadOnlyList<int>>)ReadOrders()
            .ToDictionary(o => o.Study, o => o.Order, StringComparer.Ordinal));

    /// <summary>Everything stored besides the metadata, table by table (what a merge carries).</summary>
    internal StoreContents Contents() => Locked("read the store", () => new StoreContents(
        AblationRows.All(_connection, Path),
        RecoveryRows.All(_connection, Path),
        MetadataRows.WithPrefix(_connection, MetadataRows.SkippedPrefix),
        ReadOrders(),
        MetadataRows.WithPrefix(_connection, MetadataRows.PathPrefix)));

    /// <summary>
    /// Adds <paramref name="contents"/> in ONE transaction (all or none); used by the merger. Records as
    /// <see cref="Add"/> does each; recovery points and orders already stored must be equal; skipped layers are
    /// recorded with the given reason.
    /// </summary>
    /// <returns>The number of records written (equal duplicates are not counted).</returns>
    /// <exception cref="StoreConflictException">A record, recovery point or order is stored with another value.</exception>
    internal int Import(StoreContents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        foreach (var r in contents.Ablations) RecordValidation.Validate(r, Metadata, Path);
        return Locked("write records", () =>
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            int added = 0;
            foreach (var r in contents.Ablations)
                if (AddCore(r, tx)) added++;
            var recovery = RecoveryRows.All(_connection, Path, tx).ToDictionary(p => (p.Run, p.Epoch));
            foreach (var p in contents.Recovery)
            {
                if (recovery.TryGetValue((p.Run, p.Epoch), out var stored))
                {
                    if (RecoveryComparison.FirstDifference(stored, p) is { } d)
                        throw new StoreConflictException(
                            $"{Path}: recovery run '{p.Run}' epoch {StoreSql.I(p.Epoch)} is already stored with different results ({d}, stored vs new)",
                            $"{p.Run}@{StoreSql.I(p.Epoch)}");
                    continue;
                }
                RecoveryRows.Put(_connection, tx, p);
                recovery.Add((p.Run, p.Epoch), p);
            }
            var orders = ReadOrders(tx).ToDictionary(o => o.Study, o => o.Order, StringComparer.Ordinal);
            foreach (var (study, order) in contents.Orders)
            {
                if (orders.TryGetValue(study, out var stored) && !stored.SequenceEqual(order))
                    throw new StoreConflictException(
                        $"{Path}: study '{study}' has another unit order stored ({OrderText(stored)} vs {OrderText(order)})", study);
                MetadataRows.Put(_connection, tx, MetadataRows.OrderPrefix + study, OrderText(order));
                orders[study] = order;
            }
            foreach (var (layer, reason) in contents.Skipped)
                MetadataRows.Put(_connection, tx, MetadataRows.SkippedPrefix + layer, reason);
            var paths = MetadataRows.WithPrefix(_connection, MetadataRows.PathPrefix, tx).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
            foreach (var (layer, path) in contents.Paths)
                if (!paths.TryGetValue(layer, out var had) || !had.StartsWith("reference", StringComparison.Ordinal)) // a reference-path note wins
                    MetadataRows.Put(_connection, tx, MetadataRows.PathPrefix + layer, path);
            tx.Commit();
            return added;
        });
    }

    /// <summary>Runs SQLite's full integrity check; "ok" or the problems found, one a line.</summary>
    internal string CheckIntegrity() => Locked("check integrity", () =>
    {
        using var cmd = StoreSql.Command(_connection, "PRAGMA integrity_check", null);
        using var reader = cmd.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    });

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            // With pooling off, closing the last connection checkpoints the WAL into the main file and deletes it.
            _connection.Dispose();
            _writer?.Dispose();
        }
    }

    public override string ToString() => Path;

    private bool AddCore(AblationRecord record, SqliteTransaction tx)
    {
        if (AblationRows.Get(_connection, tx, record.Key, Path) is { } existing)
        {
            if (RecordComparison.FirstDifference(existing, record) is { } difference)
                throw new StoreConflictException(
                    $"{Path}: ablation '{record.Key}' is already stored with different results ({difference}, stored vs new). " +
                    "Evaluations should be deterministic: check the runtime settings (threads, execution provider) " +
                    "or that both results come from the same model and data.", record.Key);
            return false;
        }
        AblationRows.Insert(_connection, tx, record);
        return true;
    }

    private List<(string Study, IReadOnlyList<int> Order)> ReadOrders(SqliteTransaction? tx = null)
    {
        return MetadataRows.WithPrefix(_connection, MetadataRows.OrderPrefix, tx)
            .Select(e => (e.Name, (IReadOnlyList<int>)e.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
    }

    private static string OrderText(IReadOnlyList<int> order) => string.Join(",", order.Select(u => u.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Runs <paramref name="body"/> under the lock on an open store, SQLite errors naming the file.</summary>
    private T Locked<T>(string what, Func<T> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return StoreSql.Guard(Path, what, body);
        }
    }
}
