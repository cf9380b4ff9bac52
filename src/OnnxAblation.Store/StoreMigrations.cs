using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The schema's history: version 1 is the first layout (meta and ablations); each later version is one
/// <see cref="StoreMigration"/> here. A new table or column is a new step at the end (and the same change in
/// <see cref="StoreSchema.CreateSql"/>, which creates the latest layout directly).
/// </summary>
internal static partial class StoreMigrations
{
    public static readonly IReadOnlyList<StoreMigration> All =
    [
        new(2, "the effect column (effects against the intact model)",
            (c, tx) => StoreSql.Execute(c, tx, "ALTER TABLE ablations ADD COLUMN effect TEXT")),
        new(3, "the recovery table in the schema; the data limit as its own data_limit entry", ToVersion3),
        new(4, "the samples and interval columns (adaptive sample sizes)",
            (c, tx) => StoreSql.Execute(c, tx, "ALTER TABLE ablations ADD COLUMN samples INTEGER; ALTER TABLE ablations ADD COLUMN interval REAL")),
    ];

    /// <summary>
    /// Version 3: the recovery table (before, created by the first recovery point: it may exist already), and the
    /// data limit moved out of the data spec text "SPEC (first N)" into the entry data_limit = N.
    /// </summary>
    private static void ToVersion3(SqliteConnection c, SqliteTransaction tx)
    {
        StoreSql.Execute(c, tx, StoreSchema.RecoverySql);
        string? spec, limit;
        using (var get = StoreSql.Command(c, "SELECT value FROM meta WHERE key = $k", tx))
        {
            get.Parameters.AddWithValue("$k", MetadataRows.DataSpecKey);
            spec = get.ExecuteScalar() as string;
            get.Parameters["$k"].Value = MetadataRows.DataLimitKey;
            limit = get.ExecuteScalar() as string;
        }
        if (spec is null || limit is not null || FirstN().Match(spec) is not { Success: true } m) return;
        using var set = StoreSql.Command(c, "INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)", tx);
        set.Parameters.AddWithValue("$k", MetadataRows.DataSpecKey);
        set.Parameters.AddWithValue("$v", m.Groups[1].Value);
        set.ExecuteNonQuery();
        set.Parameters["$k"].Value = MetadataRows.DataLimitKey;
        set.Parameters["$v"].Value = int.Parse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        set.ExecuteNonQuery();
    }

    /// <summary>How versions 1 and 2 wrote a data limit: appended to the data spec.</summary>
    [GeneratedRegex(@"^(.*) \(first ([0-9]{1,9})\)$", RegexOptions.Singleline)]
    private static partial Regex FirstN();
}
