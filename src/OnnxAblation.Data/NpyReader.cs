namespace OnnxAblation.Data;

/// <summary>Reads <c>npy:INPUTS.npy,LABELS.npy</c>: inputs with the sample axis first, labels of shape (N,).</summary>
internal static class NpyReader
{
    /// <param name="maxInMemoryBytes">Inputs whose float32 size exceeds this are not read now but streamed from the file (<see cref="RawData.Streamed"/>).</param>
    public static RawData Load(DataSpec spec, int? limit, long? maxInMemoryBytes = null)
    {
        string[] parts = spec.PathParts();
        if (parts.Length == 1) return Unlabelled(spec, parts[0], limit, maxInMemoryBytes);
        if (parts.Length != 2)
            throw new DataFormatException($"{spec.Text}: expected npy:INPUTS.npy,LABELS.npy (or npy:INPUTS.npy for inputs without labels)");
        DataFiles.RequireFile(parts[0], spec.Text);
        DataFiles.RequireFile(parts[1], spec.Text);

        int[] labels = NpyArray.ReadLabels(parts[1]);
        (float[] values, long[] shape, NpyStream? streamed) = Inputs(parts[0], limit, maxInMemoryBytes);
        if (shape[0] != labels.Length)
            throw new DataFormatException($"{spec.Text}: '{parts[0]}' has {shape[0]} samples but '{parts[1]}' has {labels.Length} labels");
        int[] sampleShape = shape.Length == 1 ? [1] : shape.Skip(1).Select(d => checked((int)d)).ToArray();
        if (sampleShape.Any(d => d == 0))
            throw new DataFormatException($"{spec.Text}: '{parts[0]}' has an empty sample shape ({string.Join(", ", shape)})");

        int n = Math.Min(labels.Length, limit ?? int.MaxValue);
        int max = labels.Length == 0 ? 0 : labels.Max();
        return new RawData(values, labels.AsSpan(0, n).ToArray(), sampleShape, max + 1, ClassCountFixed: false, Streamed: streamed);
    }

    /// <summary>The inputs read into memory, or (when their floats exceed <paramref name="maxInMemoryBytes"/>) only described for streaming.</summary>
    private static (float[] Values, long[] Shape, NpyStream? Streamed) Inputs(string path, int? limit, long? maxInMemoryBytes)
    {
        if (maxInMemoryBytes is long max)
        {
            var (shape, item, offset) = NpyArray.Describe(path);
            long rows = Math.Min(shape[0], limit ?? int.MaxValue);
            long perRow = shape.Skip(1).Aggregate(1L, (a, b) => checked(a * b));
            if (checked(rows * perRow * sizeof(float)) > max && rows <= int.MaxValue)
                return ([], shape, new NpyStream(path, offset, item, (int)rows));
        }
        (float[] values, long[] s) = NpyArray.ReadFloats(path, limit ?? int.MaxValue);
        return (values, s, null);
    }

    private static RawData Unlabelled(DataSpec spec, string path, int? limit, long? maxInMemoryBytes)
    {
        DataFiles.RequireFile(path, spec.Text);
        (float[] values, long[] shape, NpyStream? streamed) = Inputs(path, limit, maxInMemoryBytes);
        int[] sampleShape = shape.Length == 1 ? [1] : shape.Skip(1).Select(d => checked((int)d)).ToArray();
        if (sampleShape.Any(d => d == 0))
            throw new DataFormatException($"{spec.Text}: '{path}' has an empty sample shape ({string.Join(", ", shape)})");
        int n = (int)Math.Min(shape[0], limit ?? int.MaxValue);
        return new RawData(values, new int[n], sampleShape, 1, ClassCountFixed: false, Labelled: false, Streamed: streamed);
    }
}
