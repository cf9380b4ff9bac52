namespace OnnxAblation.Report.Sections;

/// <summary>
/// Per layer, units × classes: the change of each class's accuracy when the unit alone is ablated (the paper's central
/// picture). An HTML grid, so every cell's hover text and <c>data-delta</c> carry the exact stored numbers; units sorted
/// by overall impact, most damaging first; colours from <see cref="ColorScale"/>, centred on 0.
/// </summary>
internal sealed class HeatmapSection : IReportSection
{
    public string Title => "Units × classes";

    public string Id => "heatmaps";

    public bool Applies(SectionContext ctx) => ctx.Store.Layers.Count > 0;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        h.Para("Each cell: change of one class's accuracy (points) when that single unit is ablated. Red = the class loses, blue = it gains, white = no change; " +
               "rows sorted by the overall change, most damaging unit first. Hover a cell for the exact numbers.");
        foreach (var (l, li) in s.Layers.Select((l, i) => (l, i)))
        {
            h.H(3, ctx.Id("heat-" + Html.I(li)), $"{s.LayerTitle(l)}: {l.Singles.Count} of {l.UnitCount} units");
            double range = Math.Max(0.01, l.Singles.SelectMany(u => u.DeltaClassAccuracy).Where(d => !double.IsNaN(d)).Select(Math.Abs).DefaultIfEmpty(0).Max());
            h.Line($"<div class=\"legend\">{Html.D(-range)} points <span class=\"bar\" style=\"background:{ColorScale.ChangeGradient()}\"></span> {Html.D(range)} points <span class=\"note\">(grey: class without samples)</span></div>");
            h.Line($"<table class=\"heat\" id=\"{ctx.Id("heat-table-" + Html.I(li))}\" data-layer=\"{Html.E(l.Layer)}\" data-mode=\"{Html.E(l.Mode)}\"><thead><tr><th>unit</th><th>Δ all</th>" +
                   string.Concat(Enumerable.Range(0, s.Meta.Classes).Select(c => $"<th title=\"class {Html.E(s.ClassName(c))}\">{Html.E(s.Meta.ClassNames[c])}</th>")) + "</tr></thead><tbody>");
            foreach (var u in l.Singles.OrderBy(u => u.DeltaAccuracy).ThenBy(u => u.Units[0]))
            {
                var rec = s.Analysis.Find(l.Key([u.Units[0]]))!;
                var overall = ColorScale.Change(u.DeltaAccuracy, range);
                var row = new System.Text.StringBuilder();
                row.Append($"<tr><th>{Html.I(u.Units[0])}</th>");
                row.Append(Cell(overall, u.DeltaAccuracy, $"{l.Layer} unit {u.Units[0]}, all classes: {Html.Exact(u.DeltaAccuracy)} points ({Html.P(s.Baseline.Accuracy)}% → {Html.P(u.Accuracy)}%), {u.FlippedToWrong} samples flipped to wrong, {u.FlippedToRight} to right", u.Units[0], -1));
                for (int c = 0; c < u.DeltaClassAccuracy.Length; c++)
                {
                    double d = u.DeltaClassAccuracy[c];
                    string title = $"{l.Layer} unit {u.Units[0]}, class {s.ClassName(c)}: {Html.Exact(d)} points ({Html.P(s.Baseline.ClassAccuracy[c])}% → {Html.P(rec.ClassAccuracy[c])}%)";
                    row.Append(Cell(ColorScale.Change(d, range), d, title, u.Units[0], c));
                }
                h.Line(row.Append("</tr>").ToString());
            }
            h.Line("</tbody></table>");
        }
    }

    private static string Cell(ScottPlot.Color color, double delta, string title, int unit, int cls)
    {
        string text = double.IsNaN(delta) ? "" : Math.Round(delta * 100).ToString("0;-0;0", System.Globalization.CultureInfo.InvariantCulture);
        return $"<td style=\"background:{ColorScale.Css(color)}\"{(ColorScale.Dark(color) ? " class=\"dark\"" : "")} title=\"{Html.E(title)}\" data-unit=\"{Html.I(unit)}\" data-class=\"{Html.I(cls)}\" data-delta=\"{Html.R(delta)}\">{text}</td>";
    }
}
