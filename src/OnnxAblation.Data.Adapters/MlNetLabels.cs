using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OnnxAblation.Data;

/// <summary>Reads ML.NET label columns as 0-based class indices, and key-value names.</summary>
internal static class MlNetLabels
{
    /// <summary>A function reading the current row's label as a class index (argument: row number, for errors).</summary>
    public static Func<long, int> Reader(DataViewRowCursor cursor, DataViewSchema.Column column, string source)
    {
        Type t = column.Type.RawType;
        if (column.Type is KeyDataViewType)
        {
            Func<ulong> key = UnsignedGetter(cursor, column, t)
                ?? throw new DataFormatException($"{source}: label column '{column.Name}' has an unsupported key type {column.Type}");
            return row =>
            {
                ulong k = key();
                if (k == 0)
                    throw new DataFormatException($"{source}: row {row} has a missing label key (value 0 of key column '{column.Name}')");
                return checked((int)(k - 1));
            };
        }
        Func<double>? value = NumericGetter(cursor, column, t);
        if (value is null)
            throw new DataFormatException(
                $"{source}: label column '{column.Name}' has type {column.Type}; expected a key type or int/uint/long/float/double/bool holding a class index (for text labels use MapValueToKey)");
        return row =>
        {
            double v = value();
            if (!(v >= 0 && v <= int.MaxValue && v == Math.Floor(v)))
                throw new DataFormatException($"{source}: row {row} has label {v.ToString(CultureInfo.InvariantCulture)} in column '{column.Name}', not a non-negative integer class index");
            return (int)v;
        };
    }

    /// <summary>The key-value names of a key-typed label column, or null when it has none.</summary>
    public static IReadOnlyList<string>? KeyNames(DataViewSchema.Column column, int classCount)
    {
        if (column.Type is not KeyDataViewType) return null;
        DataViewType? annotation = column.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type;
        if (annotation is not VectorDataViewType { ItemType: var item }) return null;
        string[]? names = item.RawType switch
        {
            Type r when r == typeof(ReadOnlyMemory<char>) => Names<ReadOnlyMemory<char>>(column, v => v.ToString()),
            Type r when r == typeof(int) => Names<int>(column, Invariant),
            Type r when r == typeof(uint) => Names<uint>(column, Invariant),
            Type r when r == typeof(long) => Names<long>(column, Invariant),
            Type r when r == typeof(float) => Names<float>(column, Invariant),
            Type r when r == typeof(double) => Names<double>(column, Invariant),
            Type r when r == typeof(bool) => Names<bool>(column, Invariant),
            _ => null,
        };
        return names is not null && names.Length == classCount ? names : null;
    }

    private static string Invariant<T>(T value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static string[] Names<T>(DataViewSchema.Column column, Func<T, string> text)
    {
        var buffer = default(VBuffer<T>);
        column.GetKeyValues(ref buffer);
        return buffer.DenseValues().Select(text).ToArray();
    }

    private static Func<ulong>? UnsignedGetter(DataViewRow row, DataViewSchema.Column column, Type t)
    {
        if (t == typeof(uint)) { var g = row.GetGetter<uint>(column); return () => { uint v = 0; g(ref v); return v; }; }
        if (t == typeof(ulong)) { var g = row.GetGetter<ulong>(column); return () => { ulong v = 0; g(ref v); return v; }; }
        if (t == typeof(ushort)) { var g = row.GetGetter<ushort>(column); return () => { ushort v = 0; g(ref v); return v; }; }
        if (t == typeof(byte)) { var g = row.GetGetter<byte>(column); return () => { byte v = 0; g(ref v); return v; }; }
        return null;
    }

    private static Func<double>? NumericGetter(DataViewRow row, DataViewSchema.Column column, Type t)
    {
        if (UnsignedGetter(row, column, t) is Func<ulong> u) return () => u();
        if (t == typeof(int)) { var g = row.GetGetter<int>(column); return () => { int v = 0; g(ref v); return v; }; }
        if (t == typeof(long)) { var g = row.GetGetter<long>(column); return () => { long v = 0; g(ref v); return v; }; }
        if (t == typeof(short)) { var g = row.GetGetter<short>(column); return () => { short v = 0; g(ref v); return v; }; }
        if (t == typeof(sbyte)) { var g = row.GetGetter<sbyte>(column); return () => { sbyte v = 0; g(ref v); return v; }; }
        if (t == typeof(float)) { var g = row.GetGetter<float>(column); return () => { float v = 0; g(ref v); return v; }; }
        if (t == typeof(double)) { var g = row.GetGetter<double>(column); return () => { double v = 0; g(ref v); return v; }; }
        if (t == typeof(bool)) { var g = row.GetGetter<bool>(column); return () => { bool v = false; g(ref v); return v ? 1 : 0; }; }
        return null;
    }
}
