using OnnxAblation.Importance;

namespace OnnxAblation.Report.Sections;

/// <summary>
/// Each weight metric (Importance project) against the measured single-unit drop, with Spearman ρ and p
/// (<see cref="Correlation.Spearman"/>) in the title. The metrics need the model's weights (<c>--model</c>); the
/// store alone holds the metric-ordered cumulative curves of <c>correlate</c>, drawn in the cumulative section.
/// </summary>
internal sealed class ImportanceSection : IReportSection
{
    public string Title => "Importance";

    public string Id => "importance";

    public bool Applies(SectionContext ctx) => ctx.Weights is not null || HasMetricCurves(ctx.Store);

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        if (ctx.Weights is null)
        {
            h.Para("This store has cumulative curves ordered by weight metrics (made by <code>onnx-ablate correlate</code>; drawn under Cumulative ablation). " +
                   "The metric values themselves come from the weights: pass <code>--model</code> to draw each metric against the measured impact.");
            return;
        }
        h.Para("Each point is one unit: a weight metric (x) against the accuracy drop its single ablation measured (y, points). Spearman ρ and its two-sided p in each title.");
        foreach (var (l, li) in s.Layers.Select((l, i) => (l, i)))
        {
            if (!ctx.Weights.TryGetValue(l.Layer, out var weights)) continue;
            h.H(3, ctx.Id("importance-" + Html.I(li)), s.LayerTitle(l));
            var rows = new List<IReadOnlyList<Cell>>();
            foreach (var m in weights.Metrics())
            {
                var units = l.Singles.Where(u => u.Units[0] < m.Values.Count).ToList();
                double[] x = units.Select(u => m.Values[u.Units[0]]).ToArray();
                double[] y = units.Select(u => -u.DeltaAccuracy * 100).ToArray();
                var rho = Correlation.Spearman(x, y);
                rows.Add([Cell.Text(m.Name), Cell.Text(m.Direction.ToString()), Cell.Num(rho.R), Cell.Num(rho.P), Cell.Int(rho.N)]);
                var plot = PlotFolder.NewPlot();
                var dots = plot.Add.ScatterPoints(x, y);
                dots.MarkerSize = 6;
                dots.Color = new ScottPlot.Palettes.ColorblindFriendly().GetColor(4);
                plot.Axes.Bottom.Label.Text = m.Name;
                plot.Axes.Left.Label.Text = "accuracy drop (points)";
                plot.Title($"{m.Name}: Spearman ρ = {Html.F4(rho.R)}, p = {Html.F4(rho.P)}");
                string src = ctx.Plots.Save(plot, $"{ctx.Prefix}-importance-{li}-{m.Name}", 380, 300);
                h.Figure(src, $"{l.Layer}: {m.Name} vs measured drop", $"{m.Name} ({m.Direction}) vs drop, {rho.N} units");
            }
            h.Table(ctx.Id("importance-table-" + Html.I(li)), ["metric", "direction", "Spearman ρ", "p", "units"], rows);
        }
    }

    private static bool HasMetricCurves(StoreView s) =>
        s.Cumulative.Any(c => c.Orders.Any(o => !o.Name.StartsWith("most damaging", StringComparison.Ordinal)));
}
