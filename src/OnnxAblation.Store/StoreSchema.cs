using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The table layout of a result store and its version: <see cref="CreateSql"/> makes the latest layout in a new
/// file; <see cref="Migrate"/> brings an older store to it step by step (<see cref="StoreMigrations"/>) and refuses a
/// store written by a newer build, naming both versions.
/// </summary>
internal static class StoreSchema
{
    /// <summary>The version this build writes: the last migration step's.</summary>
    public static int Version => StoreMigrations.All[^1].Version;

    public const string RecoverySql = """
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

    /// <summary>The latest layout: every table a store has.</summary>
    public const string CreateSql = """
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
            effect TEXT,
            samples INTEGER,
            interval REAL);
        """ + "\n" + RecoverySql;

    /// <summary>Creates every table in an empty database and writes <paramref name="meta"/> with this version.</summary>
    public static void Create(SqliteConnection c, SqliteTransaction tx, StoreMetadata meta)
    {
        StoreSql.Execute(c, tx, CreateSql);
        MetadataRows.Write(c, tx, meta, Version);
    }

    /// <summary>Refuses a SQLite database that is not a result store, naming its tables.</summary>
    public static void CheckOurs(string path, List<string> tables)
    {
        if (!tables.Contains("meta") || !tables.Contains("ablations"))
            throw new StoreFormatException(
                $"{path}: a SQLite database but not an ablation result store (tables: {string.Join(", ", tables)})");
    }

    /// <summary>
    /// Brings a store of an older version to <see cref="Version"/> (every later step in order, then the new version
    /// number, all in <paramref name="tx"/>); a store of this version is left alone.
    /// </summary>
    /// <exception cref="StoreFormatException">The store is of a newer version than this build, or of no known version.</exception>
    public static void Migrate(string path, SqliteConnection c, SqliteTransaction tx)
    {
        string? text;
        using (var get = StoreSql.Command(c, "SELECT value FROM meta WHERE key = $k", tx))
        {
            get.Parameters.AddWithValue("$k", MetadataRows.SchemaVersionKey);
            text = get.ExecuteScalar() as string;
        }
        if (text is null) return; // reading the metadata names the missing entry
        int version = Parse(path, text);
        if (version == Version) return;
        if (version > Version)
            throw new StoreFormatException(
                $"{path}: result store schema version {StoreSql.I(version)} was written by a newer build of onnx-ablate; " +
                $"this build reads versions 1 to {StoreSql.I(Version)} (older ones are migrated on open). " +
                "Use a newer onnx-ablate to read or export this store.");
        foreach (var step in StoreMigrations.All.Where(s => s.Version > version))
        {
            step.Apply(c, tx);
            using var set = StoreSql.Command(c, "UPDATE meta SET value = $v WHERE key = $k", tx);
            set.Parameters.AddWithValue("$k", MetadataRows.SchemaVersionKey);
            set.Parameters.AddWithValue("$v", StoreSql.I(step.Version));
            set.ExecuteNonQuery();
        }
    }

    /// <summary>A stored version number; anything but 1..∞ is a <see cref="StoreFormatException"/>.</summary>
    public static int Parse(string path, string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= 1
            ? v
            : throw new StoreFormatException(
                $"{path}: result store schema version '{text}' is not a version this build knows (it reads versions 1 to {StoreSql.I(Version)})");
}
