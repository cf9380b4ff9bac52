using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Onnx;

namespace OnnxAblation.Studies;

/// <summary>
/// The model and data a result store was made with, found from its metadata (or given on the command line) and
/// checked against it: the model by sha256, the data by sample count and labels.
/// </summary>
public static class StoreInputs
{
    /// <summary>
    /// Loads <paramref name="given"/>, or the store's model path (as recorded, then relative to the store's folder), and
    /// refuses a model whose sha256 is not the store's.
    /// </summary>
    /// <exception cref="StoreMismatchException">The model is not the one the store's results belong to.</exception>
    /// <exception cref="ArgumentException">No model given and the recorded path does not exist.</exception>
    public static OnnxModel Model(ResultStore store, string? given)
    {
        ArgumentNullException.ThrowIfNull(store);
        var meta = store.Metadata;
        string path = given ?? Candidates(store, meta.ModelPath).FirstOrDefault(File.Exists)
            ?? throw new ArgumentException($"{store.Path}: the store was made with model '{meta.ModelPath}' (sha256 {meta.ModelSha256}), which is not found from here; pass it with --model");
        var model = OnnxModel.Load(path);
        string sha = model.Sha256();
        if (!string.Equals(sha, meta.ModelSha256, StringComparison.OrdinalIgnoreCase))
            throw new StoreMismatchException(
                $"{store.Path}: the store's results belong to model '{meta.ModelPath}' with sha256 {meta.ModelSha256}, " +
                $"but '{path}' has sha256 {sha}: a different model. Refusing to pair its weights with another model's ablation results; " +
                "pass the model the store was made with (--model), or use a store made for this model.");
        return model;
    }

    /// <summary>
    /// Loads <paramref name="givenSpec"/>, or the store's data spec; the limit is <paramref name="givenLimit"/>, else the
    /// store's data limit. When the data comes from the metadata and cannot be loaded, returns null with the reason.
    /// </summary>
    public static (Dataset? Data, string? Problem) Data(ResultStore store, string? givenSpec, int? givenLimit)
    {
        ArgumentNullException.ThrowIfNull(store);
        var meta = store.Metadata;
        int? limit = givenLimit ?? meta.DataLimit;
        if (givenSpec is not null) return (DataSets.Load(givenSpec, limit), null);
        try
        {
            return (DataSets.Load(meta.DataSpec, limit), null);
        }
        catch (DataFormatException e)
        {
            return (null, $"the store's data '{meta.DataText}' cannot be loaded from here ({e.Message}); pass --data");
        }
    }

    /// <summary>Refuses data whose sample count or labels differ from the store's.</summary>
    /// <exception cref="ArgumentException">The data is not the store's.</exception>
    public static void CheckData(ResultStore store, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(data);
        var meta = store.Metadata;
        if (data.Count != meta.Samples)
            throw new ArgumentException($"{store.Path}: the store's results are for {meta.Samples} samples of '{meta.DataText}', but data '{data.Spec}' has {data.Count}; pass the store's data (--data, --limit)");
        if (data.ClassCount != meta.Classes)
            throw new ArgumentException($"{store.Path}: the store's results have {meta.Classes} classes, data '{data.Spec}' has {data.ClassCount}");
        for (int i = 0; i < data.Count; i++)
            if (data.Labels[i] != meta.Labels[i])
                throw new ArgumentException($"{store.Path}: data '{data.Spec}' is not the store's data '{meta.DataText}': sample {i} has label {data.Labels[i]} here and {meta.Labels[i]} in the store");
    }

    private static IEnumerable<string> Candidates(ResultStore store, string recorded)
    {
        yield return recorded;
        if (!Path.IsPathRooted(recorded) && Path.GetDirectoryName(store.Path) is { } dir)
            yield return Path.Combine(dir, recorded);
    }
}
