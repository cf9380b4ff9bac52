using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report.Sections;

/// <summary>
/// Units of several layers removed cumulatively across all of them (Michel et al. 2019's head removal): accuracy
/// against the number removed, random orders as mean ± sd band and the most- and least-damaging-first orders, with areas.
/// </summary>
internal sealed class AcrossSection : IReportSection
{
    public string Title => "Removal across layers";

    public string Id => "across";

    public bool Applies(SectionContext ctx) => AcrossCurve.FromRecords(ctx.Store.Records) is not null;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var (curve, seeds) = AcrossCurve.FromRecords(ctx.Store.Records)!.Value;
        var (random, impact, least) = curve.Curves(ctx.Store.Analysis, seeds);
        var h = ctx.Page;
        h.Para($"Units of {Html.E(string.Join(", ", curve.Layers.Select(l => $"{l.Layer} ({l.Count})")))} removed together, {curve.Total} in all. " +
               "Area = area under accuracy vs fraction removed (higher = the order hurts less).");
        var plot = PlotFolder.NewPlot();
        double[] x = random.Select(p => (double)p.Units).ToArray();
        var band = plot.Add.FillY(x, random.Select(p => (p.Mean - p.StdDev) * 100).ToArray(), random.Select(p => (p.Mean + p.StdDev) * 100).ToArray());
        band.FillColor = ScottPlot.Colors.Gray.WithAlpha(0.35);
        band.LineWidth = 0;
        band.LegendText = "random ± 1 sd";
        var mean = plot.Add.Scatter(x, random.Select(p => p.Mean * 100).ToArray());
        mean.Color = ScottPlot.Colors.Black;
        mean.MarkerSize = 0;
        mean.LineWidth = 2;
        mean.LegendText = $"random mean (area {Html.F4(StudyAnalysis.Area(random))})";
        if (impact is not null)
        {
            var line = plot.Add.Scatter(impact.Select(p => (double)p.Units).ToArray(), impact.Select(p => p.Mean * 100).ToArray());
            line.Color = new ScottPlot.Palettes.ColorblindFriendly().GetColor(1);
            line.MarkerSize = 3;
            line.LineWidth = 2;
            line.LegendText = $"most damaging first (area {Html.F4(StudyAnalysis.Area(impact))})";
        }
        if (least is not null)
        {
            var line = plot.Add.Scatter(least.Select(p => (double)p.Units).ToArray(), least.Select(p => p.Mean * 100).ToArray());
            line.Color = new ScottPlot.Palettes.ColorblindFriendly().GetColor(2);
            line.MarkerSize = 3;
            line.LineWidth = 2;
            line.LegendText = $"least damaging first (area {Html.F4(StudyAnalysis.Area(least))})";
        }
        plot.Axes.Bottom.Label.Text = "units removed";
        plot.Axes.Left.Label.Text = "accuracy (%)";
        plot.Title("cumulative removal across layers");
        plot.ShowLegend(ScottPlot.Edge.Right);
        string src = ctx.Plots.Save(plot, $"{ctx.Prefix}-across", 820, 440);
        h.Figure(src, "cumulative removal across layers", "random orders: mean line with ± 1 sd band; most and least damaging first: by the measured single-unit drop");
        h.Table(ctx.Id("across-table"), ["order", "area", "points"],
        [
            [Cell.Text($"random orders (mean of {seeds.Count} seeds)"), Cell.Num(StudyAnalysis.Area(random)), Cell.Int(random.Count)],
            .. impact is null ? Array.Empty<IReadOnlyList<Cell>>() : [[Cell.Text("most damaging first"), Cell.Num(StudyAnalysis.Area(impact)), Cell.Int(impact.Count)]],
            .. least is null ? Array.Empty<IReadOnlyList<Cell>>() : [[Cell.Text("least damaging first (Michel et al.)"), Cell.Num(StudyAnalysis.Area(least)), Cell.Int(least.Count)]],
        ]);
    }
}
