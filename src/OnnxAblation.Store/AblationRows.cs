using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>The ablations table: one row per <see cref="AblationRecord"/>, keyed by its content key.</summary>
internal static class AblationRows
{
    private const string Columns =
        "key, study, units, mode, accuracy, class_accuracy, mean_loss, class_mean_loss, correct, non_finite, seconds, effect, samples, interval";

    public static int Count(SqliteConnection c)
    {
        using var cmd = StoreSql.Command(c, "SELECT COUNT(*) FROM ablations", null);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static bool Contains(SqliteConnection c, string key)
    {
        using var cmd = StoreSql.Command(c, "SELECT 1 FROM ablations WHERE key = $key", null);
        cmd.Parameters.AddWithValue("$key", key);
        return cmd.ExecuteScalar() is not null;
    }

    public static AblationRecord? Get(SqliteConnection c, SqliteTransaction? tx, string key, string path)
    {
        using var cmd = StoreSql.Command(c, $"SELECT {Columns} FROM ablations WHERE key = $key", tx);
        cmd.Parameters.AddWithValue("$key", key);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? Read(reader, path) : null;
    }

    /// <summary>Every record in insertion order.</summary>
    public static List<AblationRecord> All(SqliteConnection c, string path)
    {
        using var cmd = StoreSql.Command(c, $"SELECT {Columns} FROM ablations ORDER BY rowid", null);
        using var reader = cmd.ExecuteReader();
        var list = new List<AblationRecord>();
        while (reader.Read()) list.Add(Read(reader, path));
        return list;
    }

    public static void Insert(SqliteConnection c, SqliteTransaction tx, AblationRecord record)
    {
        using var cmd = StoreSql.Command(c,
            $"INSERT INTO ablations({Columns}, created) VALUES " +
            "($key, $study, $units, $mode, $accuracy, $class_accuracy, $mean_loss, $class_mean_loss, $correct, $non_finite, $seconds, $effect, $samples, $interval, $created)",
            tx);
        cmd.Parameters.AddWithValue("$key", record.Key);
        cmd.Parameters.AddWithValue("$study", record.Study);
        cmd.Parameters.AddWithValue("$units", StoreJson.Units(record.Units));
        cmd.Parameters.AddWithValue("$mode", record.Mode);
        cmd.Parameters.AddWithValue("$accuracy", StoreSql.Real(record.Accuracy));
        cmd.Parameters.AddWithValue("$class_accuracy", StoreJson.Doubles(record.ClassAccuracy));
        cmd.Parameters.AddWithValue("$mean_loss", StoreSql.Real(record.MeanLoss));
        cmd.Parameters.AddWithValue("$class_mean_loss", StoreJson.Doubles(record.ClassMeanLoss));
        cmd.Parameters.AddWithValue("$correct", record.Correct);
        cmd.Parameters.AddWithValue("$non_finite", record.NonFinite);
        cmd.Parameters.AddWithValue("$seconds", StoreSql.Real(record.Seconds));
        cmd.Parameters.AddWithValue("$effect", record.Effect is { } e ? StoreJson.Effect(e) : DBNull.Value);
        cmd.Parameters.AddWithValue("$samples", record.Samples is int n ? n : DBNull.Value);
        cmd.Parameters.AddWithValue("$interval", record.Interval is double h ? StoreSql.Real(h) : DBNull.Value);
        cmd.Parameters.AddWithValue("$created", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    private static AblationRecord Read(SqliteDataReader r, string path)
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
                Accuracy = StoreSql.ReadReal(r, 4),
                ClassAccuracy = StoreJson.ParseDoubles(r.GetString(5)),
                MeanLoss = StoreSql.ReadReal(r, 6),
                ClassMeanLoss = StoreJson.ParseDoubles(r.GetString(7)),
                Correct = (byte[])r.GetValue(8),
                NonFinite = r.GetInt32(9),
                Seconds = StoreSql.ReadReal(r, 10),
                Effect = r.IsDBNull(11) ? null : StoreJson.ParseEffect(r.GetString(11)),
                Samples = r.IsDBNull(12) ? null : r.GetInt32(12),
                Interval = r.IsDBNull(13) ? null : StoreSql.ReadReal(r, 13),
            };
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException
                                       or InvalidCastException or KeyNotFoundException)
        {
            throw new StoreFormatException($"{path}: stored ablation '{key}' cannot be read: {ex.Message}", ex);
        }
    }
}
