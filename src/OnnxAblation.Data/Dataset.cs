namespace OnnxAblation.Data;

/// <summary>
/// A labelled data set in memory: <see cref="Count"/> samples of <see cref="SampleShape"/> floats each,
/// stored sample after sample in channels-first order (C,H,W for images; a flat vector otherwise).
/// How the model wants them laid out (NCHW, NHWC, flat) is decided where the model is known.
/// </summary>
public sealed class Dataset
{
    public Dataset(float[] features, int[] labels, int[] sampleShape, IReadOnlyList<string> classNames, string spec)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(classNames);
        SampleSize = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0) throw new DataFormatException($"{spec}: sample shape [{string.Join(",", sampleShape)}] has a non-positive dimension");
            SampleSize = checked(SampleSize * d);
        }
        if (features.Length != (long)labels.Length * SampleSize)
            throw new DataFormatException($"{spec}: {labels.Length} labels but {features.Length} feature values (expected {labels.Length} × {SampleSize})");
        if (classNames.Count == 0) throw new DataFormatException($"{spec}: no classes");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new DataFormatException($"{spec}: sample {i} has label {labels[i]}, outside 0..{classNames.Count - 1}");
        for (int i = 0; i < features.Length; i++)
            if (!float.IsFinite(features[i]))
                throw new DataFormatException($"{spec}: sample {i / SampleSize} holds {features[i]} at position {i % SampleSize}; inputs must be finite");
        Features = features;
        Labels = labels;
        SampleShape = sampleShape;
        ClassNames = classNames;
        Spec = spec;
    }

    /// <summary>All samples, one after another (Count × SampleSize values).</summary>
    public float[] Features { get; }

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

    /// <summary>Samples [start, start+count) as a new data set (copies).</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        count = Math.Min(count, Count - start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Dataset(
            Features.AsSpan(start * SampleSize, count * SampleSize).ToArray(),
            Labels.AsSpan(start, count).ToArray(),
            SampleShape, ClassNames, Spec) { IsLabelled = IsLabelled };
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
        return new Dataset(Features, Labels, SampleShape, names, Spec) { IsLabelled = IsLabelled };
    }

    /// <summary>The same samples labelled by <paramref name="labels"/> in <paramref name="classNames"/> (a model's predictions for unlabelled inputs).</summary>
    public Dataset WithLabels(int[] labels, IReadOnlyList<string> classNames) =>
        new(Features, labels, SampleShape, classNames, Spec) { IsLabelled = false };

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
