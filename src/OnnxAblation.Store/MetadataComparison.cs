using System.Globalization;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// Whether two store metadata describe the same evaluation: same model bytes (sha256), data spec and limit, sample count,
/// class count, labels and adaptive sampling. Paths, class names, seed and extra fields may differ.
/// </summary>
internal static class MetadataComparison
{
    /// <summary>The first differing field with both values, or null if the metadata match.</summary>
    public static (string Field, string A, string B)? FirstDifference(StoreMetadata a, StoreMetadata b)
    {
        if (!string.Equals(a.ModelSha256, b.ModelSha256, StringComparison.OrdinalIgnoreCase))
            return ("model_sha256", a.ModelSha256, b.ModelSha256);
        if (a.DataSpec != b.DataSpec) return ("data_spec", a.DataSpec, b.DataSpec);
        if (a.DataLimit != b.DataLimit) return ("data_limit", Limit(a.DataLimit), Limit(b.DataLimit));
        if (a.Samples != b.Samples) return ("samples", I(a.Samples), I(b.Samples));
        if (a.Classes != b.Classes) return ("classes", I(a.Classes), I(b.Classes));
        if (a.Adaptive != b.Adaptive) return ("adaptive", a.Adaptive ?? "none (exact, all samples)", b.Adaptive ?? "none (exact, all samples)");
        if (a.Labels.Length != b.Labels.Length)
            return ("labels", I(a.Labels.Length) + " labels", I(b.Labels.Length) + " labels");
        for (int i = 0; i < a.Labels.Length; i++)
            if (a.Labels[i] != b.Labels[i])
                return ("labels", $"label {I(a.Labels[i])} at sample {I(i)}", $"label {I(b.Labels[i])} at sample {I(i)}");
        return null;
    }

    /// <summary>Checks a metadata object is self-consistent before it is written.</summary>
    public static void Validate(StoreMetadata meta, string path)
    {
        ArgumentNullException.ThrowIfNull(meta);
        if (string.IsNullOrWhiteSpace(meta.ModelSha256)) throw new ArgumentException($"{path}: store metadata has an empty model sha256", nameof(meta));
        if (meta.DataSpec is null) throw new ArgumentException($"{path}: store metadata has no data spec", nameof(meta));
        if (meta.DataLimit < 0) throw new ArgumentException($"{path}: store metadata has data limit {I(meta.DataLimit.Value)}", nameof(meta));
        if (meta.Samples < 0) throw new ArgumentException($"{path}: store metadata has {I(meta.Samples)} samples", nameof(meta));
        if (meta.Classes < 1) throw new ArgumentException($"{path}: store metadata has {I(meta.Classes)} classes", nameof(meta));
        if (meta.Labels is null || meta.Labels.Length != meta.Samples)
            throw new ArgumentException($"{path}: store metadata has {I(meta.Labels?.Length ?? 0)} labels for {I(meta.Samples)} samples", nameof(meta));
        if (meta.ClassNames is null || meta.ClassNames.Count != meta.Classes)
            throw new ArgumentException($"{path}: store metadata has {I(meta.ClassNames?.Count ?? 0)} class names for {I(meta.Classes)} classes", nameof(meta));
        for (int i = 0; i < meta.Labels.Length; i++)
            if ((uint)meta.Labels[i] >= (uint)meta.Classes)
                throw new ArgumentException($"{path}: sample {I(i)} has label {I(meta.Labels[i])}, outside 0..{I(meta.Classes - 1)}", nameof(meta));
    }

    private static string Limit(int? limit) => limit is int n ? I(n) : "none";

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
