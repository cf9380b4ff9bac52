namespace OnnxAblation.Report.Sections;

/// <summary>Cumulative curves: random orders as mean ± sd band against every ordered curve in the store, with areas under the curve.</summary>
internal sealed class CumulativeSection : IReportSection
{
    public string Title => "Cumulative ablation";

    public string Id => "cumulative";

    public bool Applies(SectionContext ctx) => ctx.Store.Cumulative.Count > 0;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        h.Para("Accuracy as more units of a layer are ablated together. Area = area under accuracy vs fraction ablated (trapezoid, 0–1; higher = the order hurts less).");
        foreach (var (c, ci) in s.Cumulative.Select((c, i) => (c, i)))
        {
            h.H(3, ctx.Id("cumulative-" + Html.I(ci)), s.LayerTitle(c.Layer));
            string src = ctx.Plots.Save(Draw(c), $"{ctx.Prefix}-cumulative-{ci}", 820, 440);
            h.Figure(src, $"{c.Layer.Layer}: cumulative ablation curves", "random orders: mean line with ± 1 sd band; every other line is one order stored in the study");
            var all = (c.Random is null ? [] : new[] { c.Random }).Concat(c.Orders).ToList();
            h.Table(ctx.Id("cumulative-table-" + Html.I(ci)), ["order", "area", "points", "points not in the store"],
                all.Select(o => (IReadOnlyList<Cell>)[Cell.Text(o.Name), Cell.Num(o.Area), Cell.Int(o.Points.Count), Cell.Int(o.Missing)]));
            if (c.Unknown.Count > 0)
                h.Para($"<span class=\"note\">Not drawn: {Html.E(string.Join(", ", c.Unknown))}: the store does not record these orders " +
                       "(made by an older <code>correlate</code>); rerunning <code>onnx-ablate correlate</code> on the store records them without new evaluations.</span>");
        }
    }

    private static ScottPlot.Plot Draw(CumulativeLayer c)
    {
        var plot = PlotFolder.NewPlot();
        var palette = new ScottPlot.Palettes.ColorblindFriendly();
        if (c.Random is { } r)
        {
            double[] x = r.Points.Select(p => p.Fraction * 100).ToArray();
            double[] lo = r.Points.Select(p => (p.Mean - p.StdDev) * 100).ToArray();
            double[] hi = r.Points.Select(p => (p.Mean + p.StdDev) * 100).ToArray();
            var band = plot.Add.FillY(x, lo, hi);
            band.FillColor = ScottPlot.Colors.Gray.WithAlpha(0.35);
            band.LineWidth = 0;
            band.LegendText = "random ± 1 sd";
            var mean = plot.Add.Scatter(x, r.Points.Select(p => p.Mean * 100).ToArray());
            mean.Color = ScottPlot.Colors.Black;
            mean.MarkerSize = 0;
            mean.LineWidth = 2;
            mean.LegendText = $"random mean (area {Html.F4(r.Area)})";
        }
        int i = 0;
        foreach (var o in c.Orders)
        {
            var line = plot.Add.Scatter(o.Points.Select(p => p.Fraction * 100).ToArray(), o.Points.Select(p => p.Mean * 100).ToArray());
            line.Color = palette.GetColor(1 + i++ % 7);
            line.MarkerSize = 3;
            line.LineWidth = 2;
            line.LegendText = $"{o.Name} (area {Html.F4(o.Area)})";
        }
        plot.Axes.Bottom.Label.Text = "units ablated (% of the layer)";
        plot.Axes.Left.Label.Text = "accuracy (%)";
        plot.Title($"{c.Layer.Layer}: cumulative ablation");
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }
}
