using Microsoft.Data.Sqlite;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// One numbered step of the store schema: <see cref="Apply"/> brings a store of version <see cref="Version"/> − 1 to
/// <see cref="Version"/> inside the opening transaction, losing nothing (the version number is then written by
/// <see cref="StoreSchema.Migrate"/>).
/// </summary>
internal sealed record StoreMigration(int Version, string Change, Action<SqliteConnection, SqliteTransaction> Apply);
