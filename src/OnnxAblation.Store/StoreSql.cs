using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The SQLite side of a store: opening a connection with the crash-safe pragmas, commands, value conversions, and the
/// translation of SQLite errors into errors naming the file.
/// </summary>
internal static class StoreSql
{
    public static SqliteConnection Connect(string path, SqliteOpenMode mode)
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
            Opening(path, () =>
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

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? tx)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = Command(connection, sql, tx);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>Runs the opening steps, turning SQLite errors into a <see cref="StoreFormatException"/> naming the file.</summary>
    public static T Opening<T>(string path, Func<T> body)
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

    /// <summary>Turns SQLite errors during normal use (disk full, file deleted or damaged...) into errors naming the file.</summary>
    public static T Guard<T>(string path, string what, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteException ex)
        {
            if (ex.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
                throw new StoreFormatException($"{path}: result store is damaged ({what}: {ex.Message})", ex);
            string todo = ex.SqliteErrorCode switch
            {
                13 => ": the disk holding it is full. Every result committed before is kept: free space there (or copy the store to a disk with room and point --store at it) and run the same command again to resume",
                8 => ": it cannot be written (read-only file or file system). Copy it to a writable place and point --store at the copy to resume",
                10 => ": the file system reported an I/O error. Every result committed before is kept: check the disk, then run the same command again to resume",
                _ => "",
            };
            throw new IOException($"{path}: result store: cannot {what}{todo} ({ex.Message})", ex);
        }
    }

    /// <summary>SQLite's quick check; a problem is a <see cref="StoreFormatException"/> naming the file.</summary>
    public static void QuickCheck(SqliteConnection c, string path)
    {
        Opening(path, () =>
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

    public static List<string> Tables(SqliteConnection c, SqliteTransaction? tx)
    {
        using var cmd = Command(c, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", tx);
        using var reader = cmd.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>NaN is stored as NULL (SQLite stores NaN as NULL anyway).</summary>
    public static object Real(double v) => double.IsNaN(v) ? DBNull.Value : v;

    public static double ReadReal(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    public static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
