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
            keys.Add(Mode + "|" + string.Join(";", Layers.Where(l => chosen[l.Layer].Count > 0).Select(l => new UnitSet(l.Layer, [.. chosen[l.Layer]]).ToString())));
        }
        return keys;
    }

    /// <summary>Random orders (seeds) as mean ± sd, and the order by measured single-unit drop (null when a single is missing).</summary>
    public (IReadOnlyList<CurvePoint> Random, IReadOnlyList<CurvePoint>? Impact) Curves(StudyAnalysis analysis, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(seeds);
        var random = analysis.Curve(seeds.Select(s => Keys(StudyPlanner.RandomOrder(Total, s))).ToList(), Total);
        var drops = new double[Total];
        for (int i = 0; i < Total; i++)
        {
            var (layer, unit) = Item(i);
            if (analysis.Find(Mode + "|" + new UnitSet(layer, [unit])) is not { } r) return (random, null);
            drops[i] = analysis.Baseline.Accuracy - r.Accuracy;
        }
        return (random, analysis.Curve([Keys(Impacts.Order(drops))], Total));
    }

    /// <summary>The across-layer study of a store (from its largest prefix), with the random seeds stored; null if it has none.</summary>
    public static (AcrossCurve Curve, IReadOnlyList<int> Seeds)? FromRecords(IReadOnlyList<AblationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        const string prefix = "cumulative-across:";
        var mine = records.Where(r => r.Study.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (mine.Count == 0) return null;
        var largest = mine.MaxBy(r => r.Units.Sum(s => s.Units.Count))!;
        string mode = largest.Key[..largest.Key.IndexOf('|', StringComparison.Ordinal)];
        var seeds = mine.Select(r => r.Study[prefix.Length..]).Where(s => s.StartsWith("random-s", StringComparison.Ordinal))
            .Select(s => int.TryParse(s["random-s".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : -1)
            .Where(v => v > 0).Distinct().Order().ToList();
        return (new AcrossCurve(mode, largest.Units.Select(s => (s.Layer, s.Units.Count)).ToList()), seeds);
    }
}
