namespace OnnxAblation.Data;

/// <summary>
/// A labelled data set: <see cref="Count"/> samples of <see cref="SampleShape"/> floats each, sample after sample in
/// channels-first order (C,H,W for images; a flat vector otherwise), held in memory or — for an .npy file larger than
/// its share of the memory budget — read from the file chunk by chunk (<see cref="IsStreamed"/>); either way
/// <see cref="CopySamples"/> gives the same floats. How the model wants them laid out (NCHW, NHWC, flat) is decided
/// where the model is known.
/// </summary>
public sealed class Dataset
{
    private readonly float[]? _features;
    private readonly NpySamples? _streamed;

    public Dataset(float[] features, int[] labels, int[] sampleShape, IReadOnlyList<string> classNames, string spec)
        : this(features, null, labels, sampleShape, classNames, spec)
    {
    }

    /// <summary>A data set read from its .npy file on demand (validated once here: every value finite).</summary>
    internal static Dataset Streamed(NpySamples samples, int[] labels, int[] sampleShape, IReadOnlyList<string> classNames, string spec, bool labelled)
    {
        samples.Validate(spec);
        return new Dataset(null, samples, labels, sampleShape, classNames, spec) { IsLabelled = labelled };
    }

    /// <summary>The same set with <see cref="MemoryNote"/> set.</summary>
    internal Dataset WithNote(string note) =>
        new(_features, _streamed, Labels, SampleShape, ClassNames, Spec) { IsLabelled = IsLabelled, MemoryNote = note };

    private Dataset(float[]? features, NpySamples? streamed, int[] labels, int[] sampleShape, IReadOnlyList<string> classNames, string spec)
    {
        if (features is null && streamed is null) throw new ArgumentNullException(nameof(features));
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(classNames);
        SampleSize = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0) throw new DataFormatException($"{spec}: sample shape [{string.Join(",", sampleShape)}] has a non-positive dimension");
            SampleSize = checked(SampleSize * d);
        }
        long values = features?.Length ?? (long)streamed!.Count * streamed.SampleSize;
        if (values != (long)labels.Length * SampleSize)
            throw new DataFormatException($"{spec}: {labels.Length} labels but {values} feature values (expected {labels.Length} × {SampleSize})");
        if (classNames.Count == 0) throw new DataFormatException($"{spec}: no classes");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new DataFormatException($"{spec}: sample {i} has label {labels[i]}, outside 0..{classNames.Count - 1}");
        if (features is not null)
            for (int i = 0; i < features.Length; i++)
                if (!float.IsFinite(features[i]))
                    throw new DataFormatException($"{spec}: sample {i / SampleSize} holds {features[i]} at position {i % SampleSize}; inputs must be finite");
        _features = features;
        _streamed = streamed;
        Labels = labels;
        SampleShape = sampleShape;
        ClassNames = classNames;
        Spec = spec;
    }

    /// <summary>All samples, one after another (Count × SampleSize values), for a data set held in memory.</summary>
    /// <exception cref="InvalidOperationException">The set is streamed from its file (<see cref="IsStreamed"/>): use <see cref="CopySamples"/>.</exception>
    public float[] Features => _features ?? throw new InvalidOperationException(
        $"{Spec}: the data set is read from its file chunk by chunk (larger than its share of the memory budget), so its samples are not held in memory; read them with CopySamples");

    /// <summary>True when the samples are read from the .npy file on demand instead of held in memory.</summary>
    public bool IsStreamed => _streamed is not null;

    /// <summary>Bytes the samples take as floats (what holding them in memory costs).</summary>
    public long FeatureBytes => (long)Count * SampleSize * sizeof(float);

    /// <summary>Set by the loader when the set is held in memory although it exceeds the data share of the memory budget (only .npy files stream).</summary>
    public string? MemoryNote { get; init; }

    /// <summary>Writes samples [<paramref name="start"/>, +<paramref name="count"/>) as floats, channels first, into <paramref name="destination"/>.</summary>
    public void CopySamples(int start, int count, Span<float> destination)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"samples [{start}, {start}+{count}) are outside the {Count} samples of {Spec}");
        if (_streamed is not null) _streamed.Read(start, count, destination);
        else _features.AsSpan(start * SampleSize, count * SampleSize).CopyTo(destination);
    }

    /// <summary>Class index of each sample, in 0..ClassCount-1.</summary>
    public int[] Labels { get; }

    /// <summary>Shape of one sample, channels first (e.g. [1,28,28] or [784]).</summary>
    public int[] SampleShape { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// False for inputs without labels (<c>npy:X.npy</c>, an image folder without class sub-folders, IDX images
    /// without a labels file): where the model outputs class scores, its own intact predictions become the labels
    /// (accuracy is then agreement with the intact model).
    /// </summary>
    public bool IsLabelled { get; init; } = true;

    /// <summary>The data spec this set was loaded from (stored with results).</summary>
    public string Spec { get; }

    public int Count => Labels.Length;

    public int ClassCount => ClassNames.Count;

    public int SampleSize { get; }

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * SampleSize, SampleSize);

    /// <summary>Samples [start, start+count) as a new data set (copies; a streamed set stays streamed).</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        count = Math.Min(count, Count - start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Dataset(
            _features?.AsSpan(start * SampleSize, count * SampleSize).ToArray(),
            _streamed?.Slice(start, count),
            Labels.AsSpan(start, count).ToArray(),
            SampleShape, ClassNames, Spec) { IsLabelled = IsLabelled, MemoryNote = MemoryNote };
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order, as a new data set held in memory (copies).</summary>
    public Dataset Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var features = new float[(long)indices.Count * SampleSize];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            CopySamples(indices[i], 1, features.AsSpan(i * SampleSize, SampleSize));
            labels[i] = Labels[indices[i]];
        }
        return new Dataset(features, null, labels, SampleShape, ClassNames, Spec) { IsLabelled = IsLabelled };
    }

    /// <summary>
    /// The same samples with <paramref name="classes"/> classes (at least <see cref="ClassCount"/>): a labelled test
    /// set that lacks the last classes of a model's output. The added classes are named by their index and have no samples.
    /// </summary>
    public Dataset WithClassCount(int classes)
    {
        if (classes < ClassCount)
            throw new DataFormatException($"{Spec}: the data has {ClassCount} classes, more than {classes}");
        if (classes == ClassCount) return this;
        var names = ClassNames.Concat(Enumerable.Range(ClassCount, classes - ClassCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        return new Dataset(_features, _streamed, Labels, SampleShape, names, Spec) { IsLabelled = IsLabelled, MemoryNote = MemoryNote };
    }

    /// <summary>The same samples labelled by <paramref name="labels"/> in <paramref name="classNames"/> (a model's predictions for unlabelled inputs).</summary>
    public Dataset WithLabels(int[] labels, IReadOnlyList<string> classNames) =>
        new(_features, _streamed, labels, SampleShape, classNames, Spec) { IsLabelled = false, MemoryNote = MemoryNote };

    /// <summary>The first <paramref name="count"/> samples (all if fewer).</summary>
    public Dataset Take(int count) => count >= Count ? this : Slice(0, count);

    /// <summary>Number of samples of each class.</summary>
    public int[] ClassCounts()
    {
        var c = new int[ClassCount];
        foreach (int l in Labels) c[l]++;
        return c;
    }
}
