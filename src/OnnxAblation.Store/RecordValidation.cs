using System.Globalization;

namespace OnnxAblation.Ablation.Store;

/// <summary>Checks a record fits its store (no null fields, one value per class, one bit per sample) before it is written.</summary>
internal static class RecordValidation
{
    /// <exception cref="ArgumentException">The record does not fit <paramref name="meta"/>; the message names the file and key.</exception>
    public static void Validate(AblationRecord record, StoreMetadata meta, string path)
    {
        if (string.IsNullOrEmpty(record.Key)) throw new ArgumentException($"{path}: an ablation record has an empty key", nameof(record));
        string Where() => $"{path}: ablation '{record.Key}'";
        if (record.Study is null || record.Mode is null || record.Units is null || record.ClassAccuracy is null || record.ClassMeanLoss is null || record.Correct is null)
            throw new ArgumentException($"{Where()} has a null field", nameof(record));
        if (record.Units.Any(u => u?.Layer is null || u.Units is null))
            throw new ArgumentException($"{Where()} has a unit set without a layer name or units", nameof(record));
        if (record.ClassAccuracy.Length != meta.Classes)
            throw new ArgumentException(F($"{Where()} has {record.ClassAccuracy.Length} class accuracies; the store has {meta.Classes} classes"), nameof(record));
        if (record.ClassMeanLoss.Length != meta.Classes)
            throw new ArgumentException(F($"{Where()} has {record.ClassMeanLoss.Length} class mean losses; the store has {meta.Classes} classes"), nameof(record));
        int bytes = (meta.Samples + 7) / 8;
        if (record.Correct.Length != bytes)
            throw new ArgumentException(F($"{Where()} has {record.Correct.Length} bytes of correctness bits; {meta.Samples} samples need {bytes}"), nameof(record));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
