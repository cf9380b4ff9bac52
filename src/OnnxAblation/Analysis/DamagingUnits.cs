using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Onnx;

namespace OnnxAblation.Analysis;

/// <summary>The most damaging single unit and pair of a study: the damage recovery training starts from.</summary>
public static class DamagingUnits
{
    /// <summary>The single unit and the pair (null when the store holds no pairs) with the lowest accuracy under <paramref name="mode"/>.</summary>
    public static (IReadOnlyList<UnitSet> Single, IReadOnlyList<UnitSet>? Pair) Choose(ResultStore store, OnnxModel model, ModeSpec mode)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(mode);
        if (store.Metadata.ModelSha256 != model.Sha256())
            throw new ArgumentException($"{store.Path} holds results of another model ({store.Metadata.ModelPath})");
        var records = store.All().Where(x => x.Mode == mode.ToString() && x.Units.Count == 1).ToList();
        var single = records.Where(x => x.Units[0].Units.Count == 1).MinBy(x => x.Accuracy)
                     ?? throw new ArgumentException($"{store.Path} holds no single-unit {mode} results; run a sweep or study first");
        var pair = records.Where(x => x.Units[0].Units.Count == 2).MinBy(x => x.Accuracy);
        return (single.Units, pair?.Units);
    }
}
