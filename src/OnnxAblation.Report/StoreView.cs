using System.Globalization;
using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report;

/// <summary>
/// A result store read for the report: its records, analysed with <see cref="StudyAnalysis"/> (the same code the
/// Markdown reports use), and the study structure recovered from the records alone (layers, pairs, curves), so no
/// model file is needed.
/// </summary>
internal sealed class StoreView
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<int>> _orders;

    private StoreView(string path, StoreMetadata meta, IReadOnlyList<AblationRecord> records, StudyAnalysis analysis,
        IReadOnlyList<(string Layer, string Reason)> skipped, IReadOnlyList<RecoveryPoint> recovery, IReadOnlyDictionary<string, IReadOnlyList<int>> orders,
        IReadOnlyList<(string Layer, string Path)> paths)
    {
        Paths = paths;
        _orders = orders;
        Path = path;
        Meta = meta;
        Records = records;
        Analysis = analysis;
        Skipped = skipped;
        Recovery = recovery;
        Layers = FindLayers();
        Pairs = Layers.Select(l => (Layer: l, Pairs: (IReadOnlyList<PairRedundancy>)FindPairs(l))).Where(x => x.Pairs.Count > 0).ToList();
        Cumulative = Layers.Select(FindCurves).OfType<CumulativeLayer>().ToList();
    }

    public string Path { get; }

    public StoreMetadata Meta { get; }

    public IReadOnlyList<AblationRecord> Records { get; }

    public StudyAnalysis Analysis { get; }

    public AblationRecord Baseline => Analysis.Baseline;

    public IReadOnlyList<(string Layer, string Reason)> Skipped { get; }

    /// <summary>Per layer, the path that evaluated it: "fast" or "reference: WHY".</summary>
    public IReadOnlyList<(string Layer, string Path)> Paths { get; }

    public IReadOnlyList<RecoveryPoint> Recovery { get; }

    /// <summary>Layers with single-unit results, in the store's order of first appearance.</summary>
    public IReadOnlyList<LayerResults> Layers { get; }

    public IReadOnlyList<(LayerResults Layer, IReadOnlyList<PairRedundancy> Pairs)> Pairs { get; }

    public IReadOnlyList<CumulativeLayer> Cumulative { get; }

    /// <summary>Whether layer names need their mode to be told apart (a store with several modes).</summary>
    public bool SeveralModes => Layers.Select(l => l.Mode).Distinct(StringComparer.Ordinal).Count() > 1;

    public string LayerTitle(LayerResults l) => SeveralModes ? $"{l.Layer} ({l.Mode})" : l.Layer;

    /// <summary>Class label as "c (name)" when the class has a name other than its index.</summary>
    public string ClassName(int c)
    {
        string i = c.ToString(CultureInfo.InvariantCulture);
        return c < Meta.ClassNames.Count && Meta.ClassNames[c] != i ? $"{i} ({Meta.ClassNames[c]})" : i;
    }

    public int ClassCount(int c) => Meta.Labels.Count(l => l == c);

    /// <exception cref="ReportException">The store holds no results or no baseline.</exception>
    public static StoreView Load(string path)
    {
        using var store = ResultStore.OpenExisting(path);
        var records = store.All();
        if (records.Count == 0)
            throw new ReportException($"{store.Path}: the store holds no results yet; run `onnx-ablate study` or `onnx-ablate sweep` into it first");
        StudyAnalysis analysis;
        try
        {
            analysis = new StudyAnalysis(records, store.Metadata.Samples);
        }
        catch (AblationException e)
        {
            throw new ReportException($"{store.Path}: {e.Message} (every change is measured against it); rerun `onnx-ablate study` or `onnx-ablate sweep` on this store to add it", e);
        }
        return new StoreView(store.Path, store.Metadata, records, analysis, store.Skipped(), store.RecoveryPoints(), store.Orders(), store.Paths());
    }

    private static string ModeOf(AblationRecord r) => AblationKey.ModeOf(r.Key);

    private List<LayerResults> FindLayers()
    {
        var oneLayer = Records.Where(r => r.Units.Count == 1 && r.Key != AblationKey.Baseline).ToList();
        var result = new List<LayerResults>();
        foreach (var g in oneLayer.GroupBy(r => (Mode: ModeOf(r), r.Units[0].Layer)))
        {
            int count = g.Max(r => r.Units[0].Units.Max()) + 1;
            var singles = g.Where(r => r.Units[0].Units.Count == 1)
                .GroupBy(r => r.Units[0].Units[0]).Select(x => x.First())
                .OrderBy(r => r.Units[0].Units[0]).Select(Analysis.Impact).ToList();
            if (singles.Count == 0) continue;
            var whole = g.FirstOrDefault(r => r.Units[0].Units.Count == count);
            result.Add(new LayerResults(g.Key.Mode, g.Key.Layer, count, singles, whole));
        }
        return result;
    }

    private List<PairRedundancy> FindPairs(LayerResults l)
    {
        var list = new List<PairRedundancy>();
        foreach (var r in Records.Where(r => StudyKey.Parse(r.Study).Kind == StudyKind.Pairs && r.Units.Count == 1 && r.Units[0].Layer == l.Layer && ModeOf(r) == l.Mode && r.Units[0].Units.Count == 2))
        {
            int a = r.Units[0].Units[0], b = r.Units[0].Units[1];
            if (Analysis.Pair(l.Layer, a, b, l.Key([a]), l.Key([b]), r.Key) is { } p) list.Add(p);
        }
        return list;
    }

    private CumulativeLayer? FindCurves(LayerResults l)
    {
        bool Mine(StudyKey k) => k.Kind == StudyKind.Cumulative && k.Layer == l.Layer;
        var studies = Records.Select(r => (Record: r, Study: StudyKey.Parse(r.Study))).Where(x => Mine(x.Study) && ModeOf(x.Record) == l.Mode)
            .GroupBy(x => x.Study.Order!, StringComparer.Ordinal).ToList();
        var recordedOrders = _orders.Keys.Select(StudyKey.Parse).Where(Mine).Select(k => k.Order!).ToList();
        if (studies.Count == 0 && recordedOrders.Count == 0) return null;
        int n = l.UnitCount;
        var randomSeeds = studies.Select(s => StudyKey.Cumulative(l.Layer, s.Key).RandomSeed).OfType<int>().Order().ToList();
        OrderedCurve? random = null;
        if (randomSeeds.Count > 0)
        {
            var keys = randomSeeds.Select(s => (IReadOnlyList<string>)Prefixes(l, StudyPlanner.RandomOrder(n, s))).ToList();
            var pts = Analysis.Curve(keys, n);
            random = new OrderedCurve($"random orders (mean ± sd of {randomSeeds.Count} seeds)", pts, StudyAnalysis.Area(pts), n + 1 - pts.Count);
        }
        var orders = new List<OrderedCurve>();
        var unknown = new List<string>();
        var names = studies.Select(s => s.Key).Concat(recordedOrders)
            .Where(k => !StudyKey.IsRandomOrder(k)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            int[] order;
            string title = name;
            if (_orders.TryGetValue(StudyKey.Cumulative(l.Layer, name).Format(), out var recorded) && recorded.Count == n) order = [.. recorded];
            else if (name == StudyKey.ImpactOrderName && l.Singles.Count == n)
            {
                // The order the study used: units by decreasing measured single-unit drop (Impacts.Order).
                order = Impacts.Order(l.Singles.Select(u => Baseline.Accuracy - u.Accuracy).ToArray());
            }
            else
            {
                unknown.Add(name);
                continue;
            }
            if (name == StudyKey.ImpactOrderName) title = "most damaging first (measured impact)";
            var pts = Analysis.Curve([Prefixes(l, order)], n);
            orders.Add(new OrderedCurve(title, pts, StudyAnalysis.Area(pts), n + 1 - pts.Count));
        }
        return new CumulativeLayer(l, random, orders, unknown);
    }

    private static List<string> Prefixes(LayerResults l, int[] order) =>
        Enumerable.Range(1, order.Length).Select(k => l.Key(order.Take(k))).ToList();
}
