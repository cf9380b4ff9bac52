using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// Units of several layers (layers in graph order, units ascending) removed cumulatively in one order across all of
/// them: the keys of its prefixes, and its curves from stored results (random orders as mean ± sd; the order by
/// measured single-unit accuracy drop). Readers of a store rebuild it from the largest stored prefix.
/// </summary>
public sealed record AcrossCurve(string Mode, IReadOnlyList<(string Layer, int Count)> Layers)
{
    public int Total => Layers.Sum(l => l.Count);

    /// <summary>Item <paramref name="i"/> of the flattened order: (layer, unit).</summary>
    public (string Layer, int Unit) Item(int i)
    {
        foreach (var (layer, count) in Layers)
        {
            if (i < count) return (layer, i);
            i -= count;
        }
        throw new ArgumentOutOfRangeException(nameof(i));
    }

    /// <summary>The stored key of the first 1, 2, … items of <paramref name="order"/> (indices into the flattened items).</summary>
    public IReadOnlyList<string> Keys(IReadOnlyList<int> order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var keys = new List<string>(order.Count);
        var chosen = Layers.ToDictionary(l => l.Layer, _ => new SortedSet<int>(), StringComparer.Ordinal);
        foreach (int i in order)
        {
            var (layer, unit) = Item(i);
            chosen[layer].Add(unit);
            keys.Add(AblationKey.Format(Mode, Layers.Where(l => chosen[l.Layer].Count > 0).Select(l => new UnitSet(l.Layer, [.. chosen[l.Layer]]))));
        }
        return keys;
    }

    /// <summary>
    /// Random orders (seeds) as mean ± sd, the order by measured single-unit drop (most damaging first) and its reverse
    /// (least damaging first, Michel et al.'s pruning order); the last two are null when a single is missing.
    /// </summary>
    public (IReadOnlyList<CurvePoint> Random, IReadOnlyList<CurvePoint>? Impact, IReadOnlyList<CurvePoint>? Least) Curves(StudyAnalysis analysis, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(seeds);
        var random = analysis.Curve(seeds.Select(s => Keys(StudyPlanner.RandomOrder(Total, s))).ToList(), Total);
        var drops = new double[Total];
        for (int i = 0; i < Total; i++)
        {
            var (layer, unit) = Item(i);
            if (analysis.Find(AblationKey.Format(Mode, layer, [unit])) is not { } r) return (random, null, null);
            drops[i] = analysis.Baseline.Accuracy - r.Accuracy;
        }
        var order = Impacts.Order(drops);
        var least = Keys(order.Reverse().ToArray());
        return (random, analysis.Curve([Keys(order)], Total), least.All(k => analysis.Find(k) is not null) ? analysis.Curve([least], Total) : null);
    }

    /// <summary>The across-layer study of a store (from its largest prefix), with the random seeds stored; null if it has none.</summary>
    public static (AcrossCurve Curve, IReadOnlyList<int> Seeds)? FromRecords(IReadOnlyList<AblationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var mine = records.Select(r => (Record: r, Study: StudyKey.Parse(r.Study))).Where(x => x.Study.Kind == StudyKind.CumulativeAcross).ToList();
        if (mine.Count == 0) return null;
        var largest = mine.MaxBy(x => x.Record.Units.Sum(s => s.Units.Count)).Record;
        string mode = AblationKey.ModeOf(largest.Key);
        var seeds = mine.Select(x => x.Study.RandomSeed).OfType<int>().Distinct().Order().ToList();
        return (new AcrossCurve(mode, largest.Units.Select(s => (s.Layer, s.Units.Count)).ToList()), seeds);
    }
}
