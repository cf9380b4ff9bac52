using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The meta table: one row per metadata field (<see cref="StoreMetadata"/>, the schema version), plus the entries
/// studies add later: a skipped layer ("skipped:LAYER" → reason) and a cumulative study's unit order
/// ("order:STUDY" → comma-separated units) and the evaluation path of a layer ("path:LAYER" → "fast" or
/// "reference: WHY").
/// </summary>
internal static class MetadataRows
{
    public const string SchemaVersionKey = "schema_version";
    public const string DataSpecKey = "data_spec";
    public const string DataLimitKey = "data_limit";
    public const string SkippedPrefix = "skipped:";
    public const string OrderPrefix = "order:";
    public const string PathPrefix = "path:";
    public const string AdaptiveKey = "adaptive";

    public static void Write(SqliteConnection c, SqliteTransaction tx, StoreMetadata meta, int version)
    {
        var values = new Dictionary<string, string>
        {
            [SchemaVersionKey] = StoreSql.I(version),
            ["model_sha256"] = meta.ModelSha256,
            ["model_path"] = meta.ModelPath ?? "",
            [DataSpecKey] = meta.DataSpec,
            ["samples"] = StoreSql.I(meta.Samples),
            ["classes"] = StoreSql.I(meta.Classes),
            ["class_names"] = StoreJson.Strings(meta.ClassNames),
            ["labels"] = StoreJson.Ints(meta.Labels),
            ["seed"] = StoreSql.I(meta.Seed),
            ["extra"] = StoreJson.Map(meta.Extra ?? new Dictionary<string, string>()),
            ["created"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        if (meta.DataLimit is int limit) values[DataLimitKey] = StoreSql.I(limit);
        if (meta.Adaptive is { } adaptive) values[AdaptiveKey] = adaptive;
        using var insert = StoreSql.Command(c, "INSERT INTO meta(key, value) VALUES ($key, $value)", tx);
        var k = insert.Parameters.Add("$key", SqliteType.Text);
        var v = insert.Parameters.Add("$value", SqliteType.Text);
        foreach (var (key, value) in values)
        {
            k.Value = key;
            v.Value = value;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>The metadata of a store of this schema version (migrate first).</summary>
    public static StoreMetadata Read(SqliteConnection c, SqliteTransaction? tx, string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var cmd = StoreSql.Command(c, "SELECT key, value FROM meta", tx))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read())
                values[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);

        string Get(string key) => values.TryGetValue(key, out var v)
            ? v
            : throw new StoreFormatException($"{path}: the store's meta table has no '{key}' entry (not a result store, or damaged)");

        int version = StoreSchema.Parse(path, Get(SchemaVersionKey));
        if (version != StoreSchema.Version)
            throw new StoreFormatException(
                $"{path}: result store schema version {StoreSql.I(version)}; this build reads version {StoreSql.I(StoreSchema.Version)}");
        try
        {
            return new StoreMetadata
            {
                ModelSha256 = Get("model_sha256"),
                ModelPath = Get("model_path"),
                DataSpec = Get(DataSpecKey),
                DataLimit = values.TryGetValue(DataLimitKey, out var limit) && limit.Length > 0 ? Int(limit) : null,
                Samples = Int(Get("samples")),
                Classes = Int(Get("classes")),
                ClassNames = StoreJson.ParseStrings(Get("class_names")),
                Labels = StoreJson.ParseInts(Get("labels")),
                Seed = Int(Get("seed")),
                Extra = StoreJson.ParseMap(Get("extra")),
                Adaptive = values.TryGetValue(AdaptiveKey, out var adaptive) ? adaptive : null,
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new StoreFormatException($"{path}: the store's metadata cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Adds or replaces one meta entry.</summary>
    public static void Put(SqliteConnection c, SqliteTransaction? tx, string key, string value)
    {
        using var cmd = StoreSql.Command(c, "INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)", tx);
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    /// <summary>The entries whose key starts with <paramref name="prefix"/>, by the rest of the key, in key order.</summary>
    public static List<(string Name, string Value)> WithPrefix(SqliteConnection c, string prefix, SqliteTransaction? tx = null)
    {
        using var cmd = StoreSql.Command(c, "SELECT key, value FROM meta WHERE substr(key, 1, length($p)) = $p ORDER BY key", tx);
        cmd.Parameters.AddWithValue("$p", prefix);
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0)[prefix.Length..], r.GetString(1)));
        return list;
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
