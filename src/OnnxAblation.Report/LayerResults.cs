using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report;

/// <summary>One layer's results in one mode, as found in a store: single units, the whole layer, its unit count.</summary>
/// <param name="Mode">Key prefix (mode with parameters), e.g. "zero-in".</param>
/// <param name="Layer">Layer name.</param>
/// <param name="UnitCount">Units the layer has: the largest unit index any ablation names, plus one.</param>
/// <param name="Singles">Single-unit impacts, by unit index.</param>
/// <param name="WholeLayer">The ablation of every unit, when stored.</param>
internal sealed record LayerResults(string Mode, string Layer, int UnitCount, IReadOnlyList<UnitImpact> Singles, AblationRecord? WholeLayer)
{
    /// <summary>Canonical store key of a set of this layer's units (as <see cref="StudyPlanner.Key"/> writes it for one layer).</summary>
    public string Key(IEnumerable<int> units) => AblationKey.Format(Mode, Layer, units.Distinct().Order().ToArray());

    /// <summary>Mean overall change over the single units (fraction), NaN without singles.</summary>
    public double MeanSingleDelta => Singles.Count == 0 ? double.NaN : Singles.Average(s => s.DeltaAccuracy);
}
