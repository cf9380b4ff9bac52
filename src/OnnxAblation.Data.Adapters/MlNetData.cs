using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OnnxAblation.Data;

/// <summary>
/// Adapter from an ML.NET <see cref="IDataView"/> to a <see cref="Dataset"/>, so ML.NET users can pass their data.
/// Features: a known-size vector of float (or a scalar float); sparse vectors are made dense.
/// Label: a key type (1-based keys become 0-based classes; names come from the key-value annotations when present),
/// or an int/uint/long/float/double/bool/byte/short/ushort holding a non-negative class index.
/// </summary>
public static class MlNetData
{
    /// <summary>Reads every row of <paramref name="view"/> into memory.</summary>
    /// <param name="sampleShape">Shape of one sample (e.g. [1,28,28]); default the vector's dimensions, or [size].</param>
    /// <param name="classNames">Class names; default the label's key values, or "0".."K-1" (K = key count or max label + 1).</param>
    /// <exception cref="DataFormatException">A column is missing or has an unsupported type, or a row holds an invalid label.</exception>
    public static Dataset FromDataView(
        IDataView view,
        string featuresColumn = "Features",
        string labelColumn = "Label",
        int[]? sampleShape = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(featuresColumn);
        ArgumentNullException.ThrowIfNull(labelColumn);
        string source = $"mlnet:{featuresColumn},{labelColumn}";
        DataViewSchema.Column features = FindColumn(view, featuresColumn, "features", source);
        DataViewSchema.Column label = FindColumn(view, labelColumn, "label", source);
        (int size, int[] defaultShape) = FeatureSize(features, source);
        int[] shape = sampleShape ?? defaultShape;
        if (shape.Length == 0 || shape.Aggregate(1L, (a, b) => a * b) != size)
            throw new DataFormatException(
                $"{source}: sampleShape [{string.Join(",", shape)}] does not hold the {size} values of column '{featuresColumn}'");

        long? rowCount = view.GetRowCount();
        var values = new List<float>(rowCount is long r && r * size < int.MaxValue ? (int)(r * size) : 0);
        var labels = new List<int>(rowCount is long r2 && r2 < int.MaxValue ? (int)r2 : 0);
        using (DataViewRowCursor cursor = view.GetRowCursor([features, label]))
        {
            Action<List<float>> readFeatures = FeatureReader(cursor, features, size);
            Func<long, int> readLabel = MlNetLabels.Reader(cursor, label, source);
            for (long row = 0; cursor.MoveNext(); row++)
            {
                readFeatures(values);
                labels.Add(readLabel(row));
            }
        }

        int classCount = label.Type is KeyDataViewType key ? checked((int)key.Count) : (labels.Count == 0 ? 1 : labels.Max() + 1);
        IReadOnlyList<string> names = ResolveNames(classNames, label, classCount, source);
        return new Dataset([.. values], [.. labels], shape, names, source);
    }

    private static DataViewSchema.Column FindColumn(IDataView view, string name, string role, string source) =>
        view.Schema.GetColumnOrNull(name) ?? throw new DataFormatException(
            $"{source}: no {role} column '{name}'; the data view has columns: {string.Join(", ", view.Schema.Select(c => $"{c.Name} ({c.Type})"))}");

    private static (int Size, int[] Shape) FeatureSize(DataViewSchema.Column column, string source)
    {
        if (column.Type == NumberDataViewType.Single) return (1, [1]);
        if (column.Type is VectorDataViewType v && v.ItemType == NumberDataViewType.Single && v.IsKnownSize)
            return (v.Size, v.Dimensions.Length > 1 ? [.. v.Dimensions] : [v.Size]);
        throw new DataFormatException(
            $"{source}: features column '{column.Name}' has type {column.Type}; expected a known-size vector of Single (e.g. [VectorType(784)] float[]) or a Single");
    }

    private static Action<List<float>> FeatureReader(DataViewRowCursor cursor, DataViewSchema.Column column, int size)
    {
        if (column.Type is not VectorDataViewType)
        {
            ValueGetter<float> scalar = cursor.GetGetter<float>(column);
            return list =>
            {
                float x = 0;
                scalar(ref x);
                list.Add(x);
            };
        }
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        var dense = new float[size];
        return list =>
        {
            getter(ref buffer);
            buffer.CopyTo(dense); // dense-ifies sparse vectors
            list.AddRange(dense);
        };
    }

    private static IReadOnlyList<string> ResolveNames(IReadOnlyList<string>? given, DataViewSchema.Column label, int classCount, string source)
    {
        if (given is not null)
        {
            bool keyTyped = label.Type is KeyDataViewType;
            if (keyTyped ? given.Count != classCount : given.Count < classCount)
                throw new DataFormatException(keyTyped
                    ? $"{source}: {given.Count} class names given but key column '{label.Name}' has {classCount} key values"
                    : $"{source}: {given.Count} class names given but the labels in column '{label.Name}' go up to {classCount - 1}");
            return given;
        }
        return MlNetLabels.KeyNames(label, classCount)
            ?? Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
