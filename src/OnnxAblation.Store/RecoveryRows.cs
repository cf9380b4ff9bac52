using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>The recovery table: one row per <see cref="RecoveryPoint"/>, keyed by run and epoch.</summary>
internal static class RecoveryRows
{
    /// <summary>Adds a point, replacing the same run and epoch (a rerun of that epoch).</summary>
    public static void Put(SqliteConnection c, SqliteTransaction tx, RecoveryPoint point)
    {
        using var cmd = StoreSql.Command(c,
            "INSERT OR REPLACE INTO recovery(run, damage, epoch, train_loss, accuracy, class_accuracy, test_loss, seconds) " +
            "VALUES ($r, $d, $e, $tl, $a, $ca, $l, $s)", tx);
        cmd.Parameters.AddWithValue("$r", point.Run);
        cmd.Parameters.AddWithValue("$d", point.Damage);
        cmd.Parameters.AddWithValue("$e", point.Epoch);
        cmd.Parameters.AddWithValue("$tl", StoreSql.Real(point.TrainLoss));
        cmd.Parameters.AddWithValue("$a", StoreSql.Real(point.Accuracy));
        cmd.Parameters.AddWithValue("$ca", StoreJson.Doubles(point.ClassAccuracy));
        cmd.Parameters.AddWithValue("$l", StoreSql.Real(point.TestLoss));
        cmd.Parameters.AddWithValue("$s", StoreSql.Real(point.Seconds));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Every point, by run then epoch.</summary>
    public static List<RecoveryPoint> All(SqliteConnection c, string path, SqliteTransaction? tx = null)
    {
        using var cmd = StoreSql.Command(c,
            "SELECT run, damage, epoch, train_loss, accuracy, class_accuracy, test_loss, seconds FROM recovery ORDER BY run, epoch", tx);
        using var r = cmd.ExecuteReader();
        var list = new List<RecoveryPoint>();
        while (r.Read())
        {
            try
            {
                list.Add(new RecoveryPoint(r.GetString(0), r.GetString(1), r.GetInt32(2), StoreSql.ReadReal(r, 3), StoreSql.ReadReal(r, 4),
                    StoreJson.ParseDoubles(r.GetString(5)), StoreSql.ReadReal(r, 6), StoreSql.ReadReal(r, 7)));
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or InvalidCastException)
            {
                throw new StoreFormatException($"{path}: stored recovery point '{r.GetString(0)}' cannot be read: {ex.Message}", ex);
            }
        }
        return list;
    }
}
