using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report.Sections;

/// <summary>Pairs: the redundancy matrix (joint-only loss per pair) and, for the top pairs, the split into single and joint parts.</summary>
internal sealed class PairsSection : IReportSection
{
    private const int TopPairs = 12;

    public string Title => "Pairs";

    public string Id => "pairs";

    public bool Applies(SectionContext ctx) => ctx.Store.Pairs.Count > 0;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        h.Para("Points of all samples. <i>Explained</i>: samples the pair loses that one of the single ablations already loses; " +
               "<i>joint only</i>: samples lost only when both units are ablated (redundant coding, Meyes et al. 2019).");
        foreach (var ((l, pairs), pi) in s.Pairs.Select((p, i) => (p, i)))
        {
            h.H(3, ctx.Id("pairs-" + Html.I(pi)), $"{s.LayerTitle(l)}: {pairs.Count} pairs");
            double max = Math.Max(0.01, pairs.Max(p => p.JointOnlyPoints));
            var byPair = pairs.ToDictionary(p => (p.UnitA, p.UnitB));
            var units = pairs.SelectMany(p => new[] { p.UnitA, p.UnitB }).Distinct().Order().ToList();
            h.Line($"<div class=\"legend\">0 <span class=\"bar\" style=\"background:{ColorScale.AmountGradient()}\"></span> {Html.F2(max)} points lost only jointly</div>");
            h.Line($"<table class=\"heat\" id=\"{ctx.Id("pair-matrix-" + Html.I(pi))}\"><thead><tr><th></th>" + string.Concat(units.Select(u => $"<th>{Html.I(u)}</th>")) + "</tr></thead><tbody>");
            foreach (int a in units)
            {
                var row = new System.Text.StringBuilder($"<tr><th>{Html.I(a)}</th>");
                foreach (int b in units)
                {
                    if (!byPair.TryGetValue((Math.Min(a, b), Math.Max(a, b)), out var p))
                    {
                        row.Append("<td></td>");
                        continue;
                    }
                    var color = ColorScale.Amount(p.JointOnlyPoints, max);
                    string title = $"{l.Layer} units {p.UnitA}+{p.UnitB}: joint only {Html.F2(p.JointOnlyPoints)}, explained {Html.F2(p.ExplainedPoints)}, pair drop {Html.F2(p.DropPoints)} points (single {p.UnitA}: {Html.F2(p.SingleAPoints)}, single {p.UnitB}: {Html.F2(p.SingleBPoints)})";
                    row.Append($"<td style=\"background:{ColorScale.Css(color)}\"{(ColorScale.Dark(color) ? " class=\"dark\"" : "")} title=\"{Html.E(title)}\" data-v=\"{Html.R(p.JointOnlyPoints)}\"></td>");
                }
                h.Line(row.Append("</tr>").ToString());
            }
            h.Line("</tbody></table>");
            var top = pairs.OrderByDescending(p => p.JointOnlyPoints).ThenByDescending(p => p.DropPoints).Take(TopPairs).ToList();
            string src = ctx.Plots.Save(Split(l, top), $"{ctx.Prefix}-pairs-{pi}", 820, 360);
            h.Figure(src, $"{l.Layer}: redundancy split of the top pairs", $"the {top.Count} pairs with the largest joint-only loss: loss explained by a single ablation vs lost only jointly");
            h.Table(ctx.Id("pairs-table-" + Html.I(pi)), ["pair", "accuracy %", "drop", "single A", "single B", "explained", "joint only"],
                pairs.OrderByDescending(p => p.JointOnlyPoints).Select(p => (IReadOnlyList<Cell>)
                [
                    Cell.Text($"{p.UnitA}+{p.UnitB}"), Cell.Pct(p.PairAccuracy), Cell.Points(p.DropPoints), Cell.Points(p.SingleAPoints),
                    Cell.Points(p.SingleBPoints), Cell.Points(p.ExplainedPoints), Cell.Points(p.JointOnlyPoints),
                ]));
        }
    }

    private static ScottPlot.Plot Split(LayerResults l, IReadOnlyList<PairRedundancy> top)
    {
        var plot = PlotFolder.NewPlot();
        var palette = new ScottPlot.Palettes.ColorblindFriendly();
        var explained = palette.GetColor(2);
        var joint = palette.GetColor(6);
        var bars = new List<ScottPlot.Bar>();
        for (int i = 0; i < top.Count; i++)
        {
            var p = top[i];
            bars.Add(new ScottPlot.Bar { Position = i, ValueBase = 0, Value = p.ExplainedPoints, FillColor = explained, LineWidth = 0 });
            bars.Add(new ScottPlot.Bar { Position = i, ValueBase = p.ExplainedPoints, Value = p.ExplainedPoints + p.JointOnlyPoints, FillColor = joint, LineWidth = 0 });
        }
        plot.Add.Bars(bars);
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "explained by a single ablation", FillColor = explained });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "lost only jointly", FillColor = joint });
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(top.Select((p, i) => new ScottPlot.Tick(i, $"{p.UnitA}+{p.UnitB}")).ToArray());
        plot.Axes.Left.Label.Text = "samples lost (points)";
        plot.Axes.Bottom.Label.Text = "unit pair";
        plot.Title($"{l.Layer}: redundancy split of the top pairs");
        plot.Axes.Margins(bottom: 0, top: 0.2);
        return plot;
    }
}
