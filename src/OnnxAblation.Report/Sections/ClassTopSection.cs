using System.Globalization;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report.Sections;

/// <summary>
/// Bau et al. 2020: per class, the N units most (and least) important for it ablated together. The orders are the
/// study's own (<see cref="Impacts.Order"/> of the class's single-unit drops), so every set is found in
/// the store even where another study stored it first.
/// </summary>
internal sealed class ClassTopSection : IReportSection
{
    public string Title => "Per-class top/bottom-N";

    public string Id => "class-top";

    public bool Applies(SectionContext ctx) => Layers(ctx.Store).Any();

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        h.Para("For each class, the N units whose single ablation costs that class most (top) or least (bottom) are ablated together; the class's accuracy after each.");
        foreach (var ((l, ns), li) in Layers(s).Select((x, i) => (x, i)))
        {
            var rows = new List<IReadOnlyList<Cell>>();
            var meanTop = new Dictionary<int, List<double>>();
            var meanBottom = new Dictionary<int, List<double>>();
            for (int c = 0; c < s.Meta.Classes; c++)
            {
                var drops = l.Singles.Select(u => s.Baseline.ClassAccuracy[c] - s.Analysis.Find(l.Key([u.Units[0]]))!.ClassAccuracy[c]).ToArray();
                var order = Impacts.Order(drops);
                foreach (int n in ns)
                {
                    var top = s.Analysis.Find(l.Key(order.Take(n)));
                    var bottom = s.Analysis.Find(l.Key(order.Reverse().Take(n)));
                    if (top is null || bottom is null) continue;
                    rows.Add([Cell.Text(s.ClassName(c)), Cell.Int(n), Cell.Pct(s.Baseline.ClassAccuracy[c]), Cell.Pct(top.ClassAccuracy[c]), Cell.Pct(bottom.ClassAccuracy[c]),
                              Cell.Text(string.Join(",", order.Take(n)))]);
                    if (!double.IsNaN(top.ClassAccuracy[c]))
                    {
                        (meanTop.TryGetValue(n, out var t) ? t : meanTop[n] = []).Add(top.ClassAccuracy[c] * 100);
                        (meanBottom.TryGetValue(n, out var b) ? b : meanBottom[n] = []).Add(bottom.ClassAccuracy[c] * 100);
                    }
                }
            }
            if (rows.Count == 0) continue;
            h.H(3, ctx.Id("class-top-" + Html.I(li)), s.LayerTitle(l));
            var plot = PlotFolder.NewPlot();
            var palette = new ScottPlot.Palettes.ColorblindFriendly();
            var keys = meanTop.Keys.Order().ToArray();
            var topLine = plot.Add.Scatter(keys.Select(k => (double)k).ToArray(), keys.Select(k => meanTop[k].Average()).ToArray());
            topLine.Color = palette.GetColor(6);
            topLine.LineWidth = 2;
            topLine.LegendText = "N most important for the class ablated";
            var bottomLine = plot.Add.Scatter(keys.Select(k => (double)k).ToArray(), keys.Select(k => meanBottom[k].Average()).ToArray());
            bottomLine.Color = palette.GetColor(2);
            bottomLine.LineWidth = 2;
            bottomLine.LegendText = "N least important ablated";
            plot.Axes.Bottom.Label.Text = "N units ablated";
            plot.Axes.Left.Label.Text = "class accuracy, mean over classes (%)";
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(keys.Select(k => new ScottPlot.Tick(k, k.ToString(CultureInfo.InvariantCulture))).ToArray());
            plot.Title($"{l.Layer}: per-class top/bottom-N");
            plot.ShowLegend(ScottPlot.Edge.Bottom);
            h.Figure(ctx.Plots.Save(plot, $"{ctx.Prefix}-class-top-{li}", 620, 380), $"{l.Layer}: per-class top/bottom-N", "each point: the class's own accuracy, averaged over the classes");
            h.Table(ctx.Id("class-top-table-" + Html.I(li)), ["class", "N", "class accuracy %", "N most important ablated", "N least important ablated", "most important units"], rows);
        }
    }

    /// <summary>
    /// Layers with every single unit stored and class-top studies in the store, with the N for which every class's top
    /// and bottom set is stored (the sets are content-addressed: N = 1 are singles, N = 2 may be pairs).
    /// </summary>
    private static IEnumerable<(LayerResults Layer, IReadOnlyList<int> Ns)> Layers(StoreView s)
    {
        foreach (var l in s.Layers.Where(l => l.Singles.Count == l.UnitCount))
        {
            if (!s.Records.Any(r => StudyKey.Parse(r.Study) is { Kind: StudyKind.ClassTop } k && k.Layer == l.Layer)) continue;
            var orders = Enumerable.Range(0, s.Meta.Classes).Select(c => Impacts.Order(
                l.Singles.Select(u => s.Baseline.ClassAccuracy[c] - s.Analysis.Find(l.Key([u.Units[0]]))!.ClassAccuracy[c]).ToArray())).ToList();
            var ns = Enumerable.Range(1, l.UnitCount - 1)
                .Where(n => orders.All(o => s.Analysis.Find(l.Key(o.Take(n))) is not null && s.Analysis.Find(l.Key(o.Reverse().Take(n))) is not null))
                .ToList();
            if (ns.Count > 0) yield return (l, ns);
        }
    }
}
