using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report.Sections;

/// <summary>Per unit, bars of the per-class accuracy change (ScottPlot), improvements marked, with the sample flips.</summary>
internal sealed class UnitBarsSection : IReportSection
{
    /// <summary>Bars are drawn for at most this many units per layer (the most damaging); the heatmap and table have them all.</summary>
    internal const int MaxUnitsPerLayer = 16;

    public string Title => "Per unit";

    public string Id => "units";

    public bool Applies(SectionContext ctx) => ctx.Store.Layers.Count > 0;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        foreach (var (l, li) in s.Layers.Select((l, i) => (l, i)))
        {
            var ordered = l.Singles.OrderBy(u => u.DeltaAccuracy).ThenBy(u => u.Units[0]).ToList();
            h.H(3, ctx.Id("units-" + Html.I(li)), s.LayerTitle(l));
            h.Table(ctx.Id("units-table-" + Html.I(li)), ["unit", "accuracy %", "Δ overall", "worst class", "Δ worst", "best class", "Δ best", "→ wrong", "→ right"],
                ordered.Select(u => (IReadOnlyList<Cell>)
                [
                    Cell.Int(u.Units[0]), Cell.Pct(u.Accuracy), Cell.Delta(u.DeltaAccuracy), Cell.Text(s.ClassName(u.WorstClass)), Cell.Delta(u.WorstClassDelta),
                    Cell.Text(s.ClassName(u.BestClass)), Cell.Delta(u.BestClassDelta), Cell.Int(u.FlippedToWrong), Cell.Int(u.FlippedToRight),
                ]));
            int shown = Math.Min(MaxUnitsPerLayer, ordered.Count);
            h.Line($"<details{(li == 0 ? " open" : "")}><summary>Per-class bars of the {shown} most damaging units" +
                   (shown < ordered.Count ? $" (of {ordered.Count}; all are in the table and heatmap)" : "") + "</summary>");
            foreach (var u in ordered.Take(shown))
            {
                string src = ctx.Plots.Save(Bars(s, l, u), $"{ctx.Prefix}-unit-{li}-{u.Units[0]}", 520, 300);
                h.Figure(src, $"{l.Layer} unit {u.Units[0]}: per-class accuracy change",
                    $"unit {u.Units[0]}: overall {Html.D(u.DeltaAccuracy)} points; {u.FlippedToWrong} samples flipped to wrong, {u.FlippedToRight} to right");
            }
            h.Line("</details>");
        }
    }

    private static ScottPlot.Plot Bars(StoreView s, LayerResults l, UnitImpact u)
    {
        var plot = PlotFolder.NewPlot();
        var loss = ColorScale.Change(-1, 1.25);
        var gain = ColorScale.Change(1, 1.25);
        var bars = new List<ScottPlot.Bar>();
        for (int c = 0; c < u.DeltaClassAccuracy.Length; c++)
        {
            double d = u.DeltaClassAccuracy[c] * 100;
            if (double.IsNaN(d)) continue;
            bars.Add(new ScottPlot.Bar { Position = c, Value = d, ValueBase = 0, FillColor = d > 0 ? gain : loss, LineWidth = 0 });
            if (d > 0)
            {
                var mark = plot.Add.Text("▲ +" + d.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), c, d);
                mark.LabelFontColor = gain;
                mark.LabelFontSize = 11;
                mark.LabelAlignment = ScottPlot.Alignment.LowerCenter;
            }
        }
        plot.Add.Bars(bars);
        plot.Add.HorizontalLine(u.DeltaAccuracy * 100, 1, ScottPlot.Colors.Black, ScottPlot.LinePattern.Dashed).LegendText = "overall " + Html.D(u.DeltaAccuracy);
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "class loses", FillColor = loss });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "class gains (▲)", FillColor = gain });
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        var ticks = Enumerable.Range(0, s.Meta.Classes).Select(c => new ScottPlot.Tick(c, s.Meta.ClassNames[c])).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = s.Meta.ClassNames.Any(n => n.Length > 3) ? -35 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = s.Meta.ClassNames.Any(n => n.Length > 3) ? ScottPlot.Alignment.MiddleRight : ScottPlot.Alignment.UpperCenter;
        plot.Axes.Left.Label.Text = "Δ class accuracy (points)";
        plot.Title($"{l.Layer} unit {u.Units[0]}: → wrong {u.FlippedToWrong}, → right {u.FlippedToRight}");
        plot.Axes.Margins(bottom: 0.1, top: 0.15);
        return plot;
    }
}
