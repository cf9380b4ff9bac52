namespace OnnxAblation.Report.Sections;

/// <summary>Model, data, baseline overall and per class, most class-selective units, most redundant pairs, most fragile and robust layers, what was not ablated.</summary>
internal sealed class SummarySection : IReportSection
{
    public string Title => "Summary";

    public string Id => "summary";

    public bool Applies(SectionContext ctx) => true;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        var b = s.Baseline;
        h.Line("<div class=\"cards\">");
        h.Line($"<div class=\"card\">baseline accuracy<b id=\"{ctx.Id("baseline")}\" data-v=\"{Html.R(b.Accuracy)}\">{Html.P(b.Accuracy)}%</b>{Html.I(s.Meta.Samples)} samples, {Html.I(s.Meta.Classes)} classes</div>");
        h.Line($"<div class=\"card\">ablations stored<b>{Html.I(s.Records.Count - 1)}</b>{Html.I(s.Layers.Count)} layer(s) with single units</div>");
        if (Fragility(s).FirstOrDefault() is { } worst)
            h.Line($"<div class=\"card\">most fragile layer<b>{Html.D(worst.Delta)}</b>{Html.E(s.LayerTitle(worst.Layer))} ({Html.E(worst.Basis)})</div>");
        if (s.Skipped.Count > 0)
            h.Line($"<div class=\"card\">layers not ablated<b>{Html.I(s.Skipped.Count)}</b>reasons below</div>");
        h.Line("</div>");
        h.Line("<table><tbody>");
        h.Line($"<tr><th>model</th><td><code>{Html.E(s.Meta.ModelPath)}</code> (sha256 {Html.E(s.Meta.ModelSha256[..Math.Min(16, s.Meta.ModelSha256.Length)])}…)</td></tr>");
        h.Line($"<tr><th>data</th><td><code>{Html.E(s.Meta.DataText)}</code></td></tr>");
        h.Line($"<tr><th>store</th><td><code>{Html.E(s.Path)}</code></td></tr>");
        h.Line($"<tr><th>modes</th><td>{Html.E(string.Join(", ", s.Layers.Select(l => l.Mode).Distinct(StringComparer.Ordinal)))}</td></tr>");
        if (s.Meta.Adaptive is { } adaptive)
        {
            var sampled = s.Records.Where(r => r.Units.Count > 0 && r.Samples is not null).ToList();
            int partial = sampled.Count(r => r.Samples < s.Meta.Samples);
            double widest = sampled.Select(r => r.Interval ?? 0).DefaultIfEmpty(0).Max();
            h.Line($"<tr><th>adaptive sample sizes</th><td id=\"{ctx.Id("adaptive")}\">{Html.E(adaptive)}: {Html.I(partial)} of {Html.I(sampled.Count)} ablations stopped before all " +
                   $"{Html.I(s.Meta.Samples)} samples (samples per ablation {Html.I(sampled.Select(r => r.Samples!.Value).DefaultIfEmpty(0).Min())} to {Html.I(sampled.Select(r => r.Samples!.Value).DefaultIfEmpty(0).Max())}; " +
                   $"widest 95% interval ±{Html.P(widest)} points). <span class=\"note\">Their accuracies, overall and per class, are paired estimates of the full-data values " +
                   "(the intact model's full-data value plus the change measured on their samples); only the overall change carries the interval; flips and pair splits count their samples only.</span></td></tr>");
        }
        h.Line("</tbody></table>");

        h.H(3, ctx.Id("baseline-classes"), "Baseline per class");
        h.Table(ctx.Id("baseline-table"), ["class", "samples", "accuracy %", "mean loss"],
            Enumerable.Range(0, s.Meta.Classes).Select(c => (IReadOnlyList<Cell>)
                [Cell.Text(s.ClassName(c)), Cell.Int(s.ClassCount(c)), Cell.Pct(b.ClassAccuracy[c]), Cell.Num(b.ClassMeanLoss[c])]));

        var singles = s.Layers.SelectMany(l => l.Singles.Select(u => (l, u))).ToList();
        if (singles.Count > 0)
        {
            h.H(3, ctx.Id("selective"), "Most class-selective units");
            h.Para("<span class=\"note\">Selectivity = the largest single-class loss beyond the overall loss, in points (as in the Markdown report). Changes are accuracy points against the baseline.</span>");
            h.Table(ctx.Id("selective-table"), ["layer", "unit", "selectivity", "Δ overall", "worst class", "Δ worst", "best class", "Δ best", "→ wrong", "→ right"],
                singles.OrderByDescending(x => x.u.Selectivity).Take(10).Select(x => (IReadOnlyList<Cell>)
                [
                    Cell.Text(s.LayerTitle(x.l)), Cell.Int(x.u.Units[0]), Cell.Delta(x.u.Selectivity), Cell.Delta(x.u.DeltaAccuracy),
                    Cell.Text(s.ClassName(x.u.WorstClass)), Cell.Delta(x.u.WorstClassDelta), Cell.Text(s.ClassName(x.u.BestClass)), Cell.Delta(x.u.BestClassDelta),
                    Cell.Int(x.u.FlippedToWrong), Cell.Int(x.u.FlippedToRight),
                ]));
        }
        var pairs = s.Pairs.SelectMany(p => p.Pairs.Select(x => (p.Layer, x))).ToList();
        if (pairs.Count > 0)
        {
            h.H(3, ctx.Id("redundant"), "Most redundant pairs");
            h.Para("<span class=\"note\">Joint only = points of samples lost only when both units are ablated (redundant coding, Meyes et al. 2019).</span>");
            h.Table(ctx.Id("redundant-table"), ["layer", "pair", "joint only", "pair drop", "single A", "single B", "explained"],
                pairs.OrderByDescending(x => x.x.JointOnlyPoints).Take(10).Select(x => (IReadOnlyList<Cell>)
                [
                    Cell.Text(s.LayerTitle(x.Layer)), Cell.Text($"{x.x.UnitA}+{x.x.UnitB}"), Cell.Points(x.x.JointOnlyPoints), Cell.Points(x.x.DropPoints),
                    Cell.Points(x.x.SingleAPoints), Cell.Points(x.x.SingleBPoints), Cell.Points(x.x.ExplainedPoints),
                ]));
        }
        var layers = Fragility(s);
        if (layers.Count > 0)
        {
            h.H(3, ctx.Id("fragile"), "Layers, most fragile first");
            var f = layers[0];
            var r = layers[^1];
            h.Para($"Most fragile: <b>{Html.E(s.LayerTitle(f.Layer))}</b> ({Html.D(f.Delta)} points, {Html.E(f.Basis)}); most robust: <b>{Html.E(s.LayerTitle(r.Layer))}</b> ({Html.D(r.Delta)} points, {Html.E(r.Basis)}).");
            h.Table(ctx.Id("layers-table"), ["layer", "mode", "units", "singles stored", "mean single Δ", "worst single Δ", "worst unit", "whole layer Δ"],
                layers.Select(x =>
                {
                    var worst = x.Layer.Singles.MinBy(u => u.DeltaAccuracy)!;
                    return (IReadOnlyList<Cell>)
                    [
                        Cell.Text(x.Layer.Layer), Cell.Text(x.Layer.Mode), Cell.Int(x.Layer.UnitCount), Cell.Int(x.Layer.Singles.Count),
                        Cell.Delta(x.Layer.MeanSingleDelta), Cell.Delta(worst.DeltaAccuracy), Cell.Int(worst.Units[0]),
                        x.Layer.WholeLayer is { } w ? Cell.Delta(w.Accuracy - s.Baseline.Accuracy) : Cell.Text("not run"),
                    ];
                }));
        }
        h.H(3, ctx.Id("skipped"), "Not ablated, and why");
        if (s.Skipped.Count == 0) h.Para("Nothing: every layer the studies named was ablated.");
        else
            h.Table(ctx.Id("skipped-table"), ["layer", "reason"], s.Skipped.Select(x => (IReadOnlyList<Cell>)[Cell.Text(x.Layer), Cell.Text(x.Reason)]));
        if (s.Paths.Count > 0)
        {
            h.H(3, ctx.Id("paths"), "Evaluation paths");
            h.Para("Which path evaluated each layer's ablations: the fast path (graph cut after the layer, masked) or the reference path (rewrite, new session, full pass); both give the same results.");
            h.Table(ctx.Id("paths-table"), ["layer", "path", "why not fast"], s.Paths.Select(x => (IReadOnlyList<Cell>)
            [
                Cell.Text(x.Layer), Cell.Text(x.Path.StartsWith("reference", StringComparison.Ordinal) ? "reference" : x.Path),
                Cell.Text(x.Path.StartsWith("reference: ", StringComparison.Ordinal) ? x.Path["reference: ".Length..] : ""),
            ]));
        }
    }

    /// <summary>
    /// Layers by the mean change of their single units, most damaging first. (A whole layer ablated takes most networks
    /// to chance level, so it rarely tells layers apart; it is a column of the table.)
    /// </summary>
    internal static IReadOnlyList<(LayerResults Layer, double Delta, string Basis)> Fragility(StoreView s) =>
        s.Layers.Select(l => (l, l.MeanSingleDelta, "mean of its single units")).OrderBy(x => x.Item2).ToList();
}
