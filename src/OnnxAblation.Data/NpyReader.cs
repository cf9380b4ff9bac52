namespace OnnxAblation.Data;

/// <summary>Reads <c>npy:INPUTS.npy,LABELS.npy</c>: inputs with the sample axis first, labels of shape (N,).</summary>
internal static class NpyReader
{
    public static RawData Load(DataSpec spec, int? limit)
    {
        string[] parts = spec.PathParts();
        if (parts.Length == 1) return Unlabelled(spec, parts[0], limit);
        if (parts.Length != 2)
            throw new DataFormatException($"{spec.Text}: expected npy:INPUTS.npy,LABELS.npy (or npy:INPUTS.npy for inputs without labels)");
        DataFiles.RequireFile(parts[0], spec.Text);
        DataFiles.RequireFile(parts[1], spec.Text);

        int[] labels = NpyArray.ReadLabels(parts[1]);
        (float[] values, long[] shape) = NpyArray.ReadFloats(parts[0], limit ?? int.MaxValue);
        if (shape[0] != labels.Length)
            throw new DataFormatException($"{spec.Text}: '{parts[0]}' has {shape[0]} samples but '{parts[1]}' has {labels.Length} labels");
        int[] sampleShape = shape.Length == 1 ? [1] : shape.Skip(1).Select(d => checked((int)d)).ToArray();
        if (sampleShape.Any(d => d == 0))
            throw new DataFormatException($"{spec.Text}: '{parts[0]}' has an empty sample shape ({string.Join(", ", shape)})");

        int n = Math.Min(labels.Length, limit ?? int.MaxValue);
        int max = labels.Length == 0 ? 0 : labels.Max();
        return new RawData(values, labels.AsSpan(0, n).ToArray(), sampleShape, max + 1, ClassCountFixed: false);
    }

    private static RawData Unlabelled(DataSpec spec, string path, int? limit)
    {
        DataFiles.RequireFile(path, spec.Text);
        (float[] values, long[] shape) = NpyArray.ReadFloats(path, limit ?? int.MaxValue);
        int[] sampleShape = shape.Length == 1 ? [1] : shape.Skip(1).Select(d => checked((int)d)).ToArray();
        if (sampleShape.Any(d => d == 0))
            throw new DataFormatException($"{spec.Text}: '{path}' has an empty sample shape ({string.Join(", ", shape)})");
        int n = (int)Math.Min(shape[0], limit ?? int.MaxValue);
        return new RawData(values, new int[n], sampleShape, 1, ClassCountFixed: false, Labelled: false);
    }
}
