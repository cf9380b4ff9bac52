using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Modes;

/// <summary>
/// Applies an ablation by rewriting initializers of a copy of the model (the reference path); each mode's
/// <see cref="AblationMode"/> object does the rewrite. Nodes are added only where a mode needs a bias the layer does
/// not have (mean ablation).
/// </summary>
public static class Ablator
{
    /// <summary>A rewritten copy; <paramref name="means"/> is required for modes that need unit means (mean).</summary>
    public static OnnxModel Apply(ModelUnits units, IReadOnlyList<UnitSet> sets, ModeSpec mode, UnitMeans? means = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(mode);
        if (mode.Mode.NeedsUnitMeans && means is null)
            throw new AblationException($"{mode.Mode.Key} ablation needs unit means computed on the data");
        var model = units.Model.Clone();
        var edits = new ModelEdits(model);
        var context = new ModeRewrite(units, mode, means);
        foreach (var set in sets)
        {
            var layer = units[set.Layer];
            foreach (int u in set.Units.Distinct()) mode.Mode.Rewrite(edits, context, layer, u);
        }
        edits.Commit();
        return model;
    }

    internal static int NoiseSeed(int seed, int layerPosition, int unit) =>
        unchecked((seed * 1_000_003) ^ (layerPosition * 10_007) ^ (unit * 101) ^ 0x5EED);
}
