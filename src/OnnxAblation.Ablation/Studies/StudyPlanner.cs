using System.Globalization;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// Turns study descriptions into ordered, deterministic lists of ablations with content keys
/// (mode + layers + sorted units), so a resumed run or another shard asks for exactly the same items.
/// </summary>
public sealed class StudyPlanner(ModelUnits units, ModeSpec mode)
{
    public ModeSpec Mode => mode;

    public PlannedAblation Baseline() => new(AblationKey.Baseline, StudyKey.Baseline.Format(), []);

    /// <summary>Canonical key (<see cref="AblationKey"/>): sets ordered by layer position, units ascending and distinct.</summary>
    public string Key(IReadOnlyList<UnitSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        return AblationKey.Format(mode.ToString(), Normalise(sets));
    }

    /// <summary>Merges sets of the same layer, orders by layer position, sorts units; checks every unit exists.</summary>
    public IReadOnlyList<UnitSet> Normalise(IReadOnlyList<UnitSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        return sets.GroupBy(s => s.Layer)
            .Select(g =>
            {
                var layer = units[g.Key];
                var all = g.SelectMany(s => s.Units).Distinct().Order().ToArray();
                foreach (int u in all)
                    if ((uint)u >= (uint)layer.UnitCount)
                        throw new AblationException($"layer '{layer.Name}' has {layer.UnitCount} units (0..{layer.UnitCount - 1}); unit {u} does not exist");
                return (layer.Position, Set: new UnitSet(layer.Name, all));
            })
            .OrderBy(x => x.Position).Select(x => x.Set).ToArray();
    }

    public PlannedAblation Plan(string study, IReadOnlyList<UnitSet> sets)
    {
        var n = Normalise(sets);
        return new PlannedAblation(Key(n), study, n);
    }

    /// <summary>Every unit of each layer alone.</summary>
    public IEnumerable<PlannedAblation> Singles(IEnumerable<Layer> layers) =>
        layers.SelectMany(l => Enumerable.Range(0, l.UnitCount).Select(u => Plan(StudyKey.Single.Format(), [new UnitSet(l.Name, [u])])));

    /// <summary>All unordered pairs of units of one layer.</summary>
    public IEnumerable<PlannedAblation> Pairs(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        for (int a = 0; a < layer.UnitCount; a++)
            for (int b = a + 1; b < layer.UnitCount; b++)
                yield return Plan(StudyKey.Pairs.Format(), [new UnitSet(layer.Name, [a, b])]);
    }

    /// <summary>Each layer with all its units ablated.</summary>
    public IEnumerable<PlannedAblation> WholeLayers(IEnumerable<Layer> layers) =>
        layers.Select(l => Plan(StudyKey.WholeLayer.Format(), [new UnitSet(l.Name, Enumerable.Range(0, l.UnitCount).ToArray())]));

    /// <summary>Prefixes of a unit order: the first 1, 2, … n units ablated together.</summary>
    public IEnumerable<PlannedAblation> Cumulative(Layer layer, IReadOnlyList<int> order, string study)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(order);
        for (int n = 1; n <= order.Count; n++)
            yield return Plan(study, [new UnitSet(layer.Name, order.Take(n).ToArray())]);
    }

    /// <summary>Prefixes of an order over units of several layers: the first 1, 2, … n (layer, unit) items ablated together.</summary>
    public IEnumerable<PlannedAblation> CumulativeAcross(IReadOnlyList<(string Layer, int Unit)> order, string study)
    {
        ArgumentNullException.ThrowIfNull(order);
        for (int n = 1; n <= order.Count; n++)
            yield return Plan(study, order.Take(n).GroupBy(x => x.Layer).Select(g => new UnitSet(g.Key, g.Select(x => x.Unit).ToArray())).ToList());
    }

    /// <summary>Every (layer, unit) of the layers in the given order, units ascending: what random orders across layers permute.</summary>
    public IReadOnlyList<(string Layer, int Unit)> AcrossItems(IEnumerable<string> layers) =>
        layers.Select(l => units[l]).DistinctBy(l => l.Name).OrderBy(l => l.Position)
            .SelectMany(l => Enumerable.Range(0, l.UnitCount).Select(u => (l.Name, u))).ToList();

    /// <summary>A seeded random permutation of a layer's units (Fisher–Yates on System.Random(seed), stable across runs).</summary>
    public static int[] RandomOrder(int unitCount, int seed)
    {
        var order = Enumerable.Range(0, unitCount).ToArray();
        var rng = new Random(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// Parses "fc1:3,15;fc2:0" (one ablation over several layers); "fc1:*" means every unit of fc1;
    /// ranges "fc1:0-4" are allowed. The layer name is everything before the last ':'.
    /// </summary>
    public IReadOnlyList<UnitSet> ParseUnits(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sets = new List<UnitSet>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.LastIndexOf(':');
            if (colon <= 0) throw new AblationException($"units '{part}': expected LAYER:UNITS, e.g. fc1:3,15 or fc1:* (layers: {string.Join(", ", units.Layers.Select(l => l.Name))})");
            var layer = units[part[..colon]];
            string list = part[(colon + 1)..].Trim();
            var ids = new List<int>();
            if (list is "*" or "all") ids.AddRange(Enumerable.Range(0, layer.UnitCount));
            else
            {
                foreach (var tok in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    int dash = tok.IndexOf('-', 1);
                    if (dash > 0 && int.TryParse(tok[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int lo) &&
                        int.TryParse(tok[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int hi) && lo <= hi)
                        ids.AddRange(Enumerable.Range(lo, hi - lo + 1));
                    else if (int.TryParse(tok, NumberStyles.None, CultureInfo.InvariantCulture, out int id)) ids.Add(id);
                    else throw new AblationException($"units '{part}': '{tok}' is not a unit index or range");
                }
            }
            if (ids.Count == 0) throw new AblationException($"units '{part}': no units given");
            sets.Add(new UnitSet(layer.Name, ids));
        }
        if (sets.Count == 0) throw new AblationException($"units '{text}': nothing to ablate");
        return Normalise(sets);
    }
}
