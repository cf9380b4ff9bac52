using System.Globalization;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Studies;

namespace OnnxAblation.Cli.Commands;

/// <summary>A study's findings as a <see cref="ReportDocument"/>: baseline, single units, class-selective units, effects, pairs, layers, curves, per-class top/bottom-N.</summary>
internal static class StudyReport
{
    // A class without samples in the data has no accuracy (NaN): shown as n/a.
    private static string P(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture);

    private static string PP(double fraction) => double.IsNaN(fraction) ? "n/a" : P(fraction) + "%";

    private static string D(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static string N(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G4", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the report as Markdown.</summary>
    public static void Print(StudyContext ctx, StudyDefinition def, TextWriter w) => Build(ctx, def).WriteMarkdown(w);

    public static ReportDocument Build(StudyContext ctx, StudyDefinition def)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(def);
        var doc = new ReportDocument();
        var a = new StudyAnalysis(ctx.Store.All(), ctx.Data.Count);
        var names = ctx.Data.ClassNames;
        string Cls(int c) => names[c] == I(c) ? names[c] : $"{c} ({names[c]})";
        doc.Heading(1, $"Ablation study of `{ctx.Model.Source}`");
        doc.Paragraph($"Data `{ctx.Data.Spec}`, {ctx.Data.Count} samples, mode **{ctx.Mode}**, evaluator {ctx.Evaluator.Name}, store `{ctx.Store.Path}`.");
        doc.Paragraph($"Baseline accuracy **{P(a.Baseline.Accuracy)}%**; per class: " +
                      string.Join(", ", a.Baseline.ClassAccuracy.Select((x, c) => $"{c}: {PP(x)}")));
        Adaptive(doc, ctx);
        var paths = ctx.Store.Paths();
        var slow = paths.Where(x => x.Path.StartsWith("reference", StringComparison.Ordinal)).ToList();
        if (slow.Count > 0)
        {
            doc.Heading(2, "Evaluation paths");
            doc.Paragraph($"{paths.Count - slow.Count} of {paths.Count} layers ran on the fast path; these ran on the reference path (same results, slower):");
            doc.Bullets(slow.Select(x => $"`{x.Layer}`: {x.Path["reference".Length..].TrimStart(':', ' ')}"));
        }
        var skipped = ctx.Store.Skipped();
        if (skipped.Count > 0 || ctx.Units.Unmapped.Count > 0)
        {
            doc.Heading(2, "Not ablated, and why");
            doc.Bullets(skipped.Select(s => $"layer `{s.Layer}`: {s.Reason}").Concat(ctx.Units.Unmapped.Select(u => $"{u.OpType} `{u.Node}`: {u.Reason}")));
        }
        foreach (var layer in def.SingleLayers) Singles(doc, ctx, a, layer, Cls);
        Effects(doc, ctx);
        foreach (var layer in def.PairLayers) Pairs(doc, ctx, a, layer);
        var layerRows = def.WholeLayers.Select(l => (l, r: a.Find(ctx.Planner.Key([new UnitSet(l, Enumerable.Range(0, ctx.Units[l].UnitCount).ToArray())])))).Where(x => x.r is not null).ToList();
        if (layerRows.Count > 0)
        {
            doc.Heading(2, "Whole layers");
            string Block(string layer) => ctx.Units.Blocks.FirstOrDefault(b => b.Layer == layer) is { } b ? $" (removes the {b.Kind} block {b.Name})" : "";
            doc.Bullets(layerRows.Select(x => $"`{x.l}` ablated entirely{Block(x.l)}: accuracy {P(x.r!.Accuracy)}% ({D(x.r.Accuracy - a.Baseline.Accuracy)} points)"));
        }
        var orchestrator = new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store);
        foreach (var layer in def.CumulativeLayers) Cumulative(doc, ctx, a, orchestrator, def, layer);
        if (def.AcrossLayers.Count > 0) Across(doc, ctx, a);
        ClassTop(doc, ctx, a, orchestrator, def, Cls);
        return doc;
    }

    /// <summary>Under adaptive sampling: what was sampled and what the numbers of ablations stopped early are.</summary>
    private static void Adaptive(ReportDocument doc, StudyContext ctx)
    {
        if (ctx.Store.Metadata.Adaptive is not { } how) return;
        var measured = ctx.Store.All().Where(r => r.Units.Count > 0 && r.Samples is not null).ToList();
        int partial = measured.Count(r => r.Samples < ctx.Data.Count);
        var sizes = measured.Select(r => r.Samples!.Value).Order().ToList();
        doc.Heading(2, "Adaptive sample sizes");
        doc.Paragraph($"Adaptive sampling ({how}): {partial} of {measured.Count} ablations stopped before all {ctx.Data.Count} samples" +
                      (sizes.Count > 0 ? $" (median {sizes[sizes.Count / 2]} samples; {sizes.Sum(x => (long)x) * 100 / Math.Max(1L, (long)sizes.Count * ctx.Data.Count)}% of the samples on average)" : "") +
                      ". Their accuracies (overall and per class) are paired estimates of the full-data values — the intact model's full-data value plus the change measured on those samples against the intact model — and their overall change is known to the ± shown (95% interval); per-class values carry no such guarantee, and flips and pair splits count those samples only.");
    }

    private static void Singles(ReportDocument doc, StudyContext ctx, StudyAnalysis a, string layer, Func<int, string> cls)
    {
        var records = Enumerable.Range(0, ctx.Units[layer].UnitCount)
            .Select(u => a.Find(ctx.Planner.Key([new UnitSet(layer, [u])]))).OfType<AblationRecord>().ToList();
        var singles = records.Select(a.Impact).ToList();
        if (singles.Count == 0) return;
        bool adaptive = ctx.Store.Metadata.Adaptive is not null;
        var sampled = records.ToDictionary(r => r.Units[0].Units[0], r => (r.Samples, r.Interval));
        doc.Heading(2, $"Single units of `{layer}` ({singles.Count} of {ctx.Units[layer].UnitCount})");
        IReadOnlyList<string> header = ["unit", "accuracy", "Δ overall", "worst class", "Δ worst", "best class", "Δ best", "→ wrong", "→ right"];
        doc.Table(adaptive ? [.. header, "samples", "± (95%)"] : header,
            singles.OrderBy(s => s.DeltaAccuracy).Take(12).Select(s =>
            {
                IReadOnlyList<string> row =
                [
                    I(s.Units[0]), PP(s.Accuracy), D(s.DeltaAccuracy), cls(s.WorstClass), D(s.WorstClassDelta), cls(s.BestClass), D(s.BestClassDelta),
                    I(s.FlippedToWrong), I(s.FlippedToRight),
                ];
                var (n, h) = sampled[s.Units[0]];
                return adaptive ? [.. row, n is int k ? I(k) : "all", h is double x ? P(x) : "-"] : row;
            }));
        string Line(UnitImpact s) => $"unit {s.Units[0]}: overall {D(s.DeltaAccuracy)} points, class {cls(s.WorstClass)} {D(s.WorstClassDelta)} points" +
                                     (s.BestClassDelta > 0 ? $", class {cls(s.BestClass)} improves {D(s.BestClassDelta)}" : "");
        var quiet = singles.Where(s => s.DeltaAccuracy > -0.05).OrderBy(s => s.WorstClassDelta).Take(5).ToList();
        doc.Paragraph($"Units of `{layer}` whose ablation hurts one class most while overall accuracy barely moves (overall drop < 5 points):");
        doc.Bullets(quiet.Count == 0 ? ["none: every single unit of this layer costs at least 5 points overall"] : quiet.Select(Line));
        doc.Paragraph($"Class-selective units of `{layer}` (largest single-class loss beyond the overall loss):");
        doc.Bullets(singles.OrderByDescending(s => s.Selectivity).Take(5).Select(Line));
    }

    private static void Pairs(ReportDocument doc, StudyContext ctx, StudyAnalysis a, string layer)
    {
        int n = ctx.Units[layer].UnitCount;
        var pairs = new List<PairRedundancy>();
        for (int x = 0; x < n; x++)
            for (int y = x + 1; y < n; y++)
                if (a.Pair(layer, x, y, ctx.Planner.Key([new UnitSet(layer, [x])]), ctx.Planner.Key([new UnitSet(layer, [y])]), ctx.Planner.Key([new UnitSet(layer, [x, y])])) is { } pr)
                    pairs.Add(pr);
        if (pairs.Count == 0) return;
        doc.Heading(2, $"Pairs of `{layer}` ({pairs.Count} pairs): redundancy split");
        doc.Paragraph("Drop of the pair, in points; *explained* = samples lost that one of the single ablations already loses; *joint only* = lost only when both are ablated.");
        doc.Table(["pair", "accuracy", "drop", "single A", "single B", "explained", "joint only"],
            pairs.OrderByDescending(p => p.JointOnlyPoints).Take(10).Select(pr => (IReadOnlyList<string>)
            [
                $"{pr.UnitA}+{pr.UnitB}", PP(pr.PairAccuracy), F(pr.DropPoints), F(pr.SingleAPoints), F(pr.SingleBPoints), F(pr.ExplainedPoints), F(pr.JointOnlyPoints),
            ]));
    }

    private static void Cumulative(ReportDocument doc, StudyContext ctx, StudyAnalysis a, StudyOrchestrator orchestrator, StudyDefinition def, string layer)
    {
        int n = ctx.Units[layer].UnitCount;
        var randomKeys = Enumerable.Range(1, def.CumulativeSeeds)
            .Select(s => (IReadOnlyList<string>)Prefixes(ctx, layer, StudyPlanner.RandomOrder(n, s))).ToList();
        var random = a.Curve(randomKeys, n);
        var drops = orchestrator.SingleDrops(a, ctx.Units[layer], null);
        var byImpact = drops is null ? null : a.Curve([Prefixes(ctx, layer, Impacts.Order(drops))], n);
        doc.Heading(2, $"Cumulative ablation of `{layer}`");
        doc.Paragraph(string.Create(CultureInfo.InvariantCulture, $"Area under accuracy vs fraction ablated: random order {StudyAnalysis.Area(random):F4} (mean of {def.CumulativeSeeds} seeds)") +
                      (byImpact is null ? "" : string.Create(CultureInfo.InvariantCulture, $", most damaging first {StudyAnalysis.Area(byImpact):F4}")));
        doc.Table(["units ablated", "random mean ± sd", "most damaging first"], random.Select(pt => (IReadOnlyList<string>)
        [
            $"{pt.Units} ({P(pt.Fraction)}%)", $"{P(pt.Mean)}% ± {P(pt.StdDev)}",
            byImpact?.FirstOrDefault(b => b.Units == pt.Units) is { } b2 ? PP(b2.Mean) : "-",
        ]));
    }

    private static void Across(ReportDocument doc, StudyContext ctx, StudyAnalysis a)
    {
        if (AcrossCurve.FromRecords(ctx.Store.All()) is not { } found) return;
        var (curve, seeds) = found;
        var (random, impact, least) = curve.Curves(a, seeds);
        doc.Heading(2, $"Cumulative removal across {curve.Layers.Count} layers ({curve.Total} units)");
        doc.Paragraph($"Units of {string.Join(", ", curve.Layers.Select(l => $"`{l.Layer}`"))} removed together, in random orders (mean ± sd of {seeds.Count} seeds), " +
                      "most damaging first and least damaging first (by the single-unit drop; Michel et al. 2019 prune in the latter order). Area under accuracy vs fraction removed: random " +
                      string.Create(CultureInfo.InvariantCulture, $"{StudyAnalysis.Area(random):F4}") +
                      (impact is null ? "" : string.Create(CultureInfo.InvariantCulture, $", most damaging first {StudyAnalysis.Area(impact):F4}")) +
                      (least is null ? "" : string.Create(CultureInfo.InvariantCulture, $", least damaging first {StudyAnalysis.Area(least):F4}")) + ".");
        if (least is not null && a.Baseline.Accuracy > 0)
        {
            // how many can go: removed in the least-damaging order until accuracy first falls below 99% / 95% of the intact
            int Keep(double share) => least.OrderBy(pt => pt.Units).TakeWhile(pt => pt.Mean >= share * a.Baseline.Accuracy).Select(pt => pt.Units).DefaultIfEmpty(0).Max();
            doc.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"Least damaging first, {Keep(0.99)} of {curve.Total} units can be removed keeping 99% of the intact accuracy, {Keep(0.95)} keeping 95%."));
        }
        doc.Table(["units removed", "random mean ± sd", "most damaging first", "least damaging first"], random.Select(pt => (IReadOnlyList<string>)
        [
            $"{pt.Units} ({P(pt.Fraction)}%)", $"{P(pt.Mean)}% ± {P(pt.StdDev)}",
            impact?.FirstOrDefault(b => b.Units == pt.Units) is { } b2 ? PP(b2.Mean) : "-",
            least?.FirstOrDefault(b => b.Units == pt.Units) is { } b3 ? PP(b3.Mean) : "-",
        ]));
    }

    private static void ClassTop(ReportDocument doc, StudyContext ctx, StudyAnalysis a, StudyOrchestrator orchestrator, StudyDefinition def, Func<int, string> cls)
    {
        var phaseTwo = orchestrator.PhaseTwo(def) ?? [];
        var keyOfStudy = phaseTwo.GroupBy(p => p.Study).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        string Key(string study) => keyOfStudy.GetValueOrDefault(study) ?? "";
        foreach (var layer in def.ClassTopLayers)
        {
            var rows = new List<IReadOnlyList<string>>();
            for (int c = 0; c < ctx.Data.ClassCount; c++)
                foreach (int n in def.ClassTopN)
                {
                    var top = a.Find(Key(StudyKey.ClassTop(layer, c, n).Format()));
                    var bottom = a.Find(Key(StudyKey.ClassBottom(layer, c, n).Format()));
                    if (top is null || bottom is null) continue;
                    rows.Add([cls(c), I(n), PP(a.Baseline.ClassAccuracy[c]), PP(top.ClassAccuracy[c]), PP(bottom.ClassAccuracy[c])]);
                }
            if (rows.Count == 0) continue;
            doc.Heading(2, $"Per-class top/bottom-N units of `{layer}` (Bau et al. 2020)");
            doc.Table(["class", "N", "class accuracy", "N most important ablated", "N least important ablated"], rows);
        }
    }

    private static List<string> Prefixes(StudyContext ctx, string layer, int[] order) =>
        Enumerable.Range(1, order.Length).Select(k => ctx.Planner.Key([new UnitSet(layer, order.Take(k).ToArray())])).ToList();

    /// <summary>The ablations that changed the model's outputs most, against the intact model (no labels needed).</summary>
    private static void Effects(ReportDocument doc, StudyContext ctx)
    {
        var measured = ctx.Store.All().Where(r => r.Units.Count > 0 && r.Effect is not null).ToList();
        if (measured.Count == 0) return;
        bool scores = measured.Any(r => !double.IsNaN(r.Effect!.Kl));
        string by = scores ? "KL(intact ‖ ablated)" : "drift ‖y′ − y‖ / ‖y‖";
        doc.Heading(2, $"Largest effects against the intact model (by {by})");
        doc.Table(["ablation", "study", "agreement", "KL", "top-score change", "drift", "cosine"],
            measured.OrderByDescending(r => scores ? r.Effect!.Kl : r.Effect!.Drift).Take(12).Select(r =>
            {
                var e = r.Effect!;
                string units = string.Join("; ", r.Units.Select(s => $"{s.Layer}:{string.Join(",", s.Units.Take(8))}{(s.Units.Count > 8 ? ",…" : "")}"));
                return (IReadOnlyList<string>)[$"`{units}`", r.Study, PP(e.Agreement), N(e.Kl), N(e.TopScoreChange), N(e.Drift), N(e.Cosine)];
            }));
    }
}
