using System.Globalization;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;

using OnnxAblation.Studies;

namespace OnnxAblation.Cli.Commands;

/// <summary>Writes a study's findings as Markdown: baseline, single units, class-selective units, pairs, layers, curves, per-class top/bottom-N.</summary>
internal static class StudyReport
{
    // A class without samples in the data has no accuracy (NaN): shown as n/a.
    private static string P(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture);

    private static string D(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    public static void Print(StudyContext ctx, StudyDefinition def, TextWriter w)
    {
        var a = new StudyAnalysis(ctx.Store.All(), ctx.Data.Count);
        var orchestrator = new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store);
        var names = ctx.Data.ClassNames;
        string Cls(int c) => names[c] == c.ToString(CultureInfo.InvariantCulture) ? names[c] : $"{c} ({names[c]})";
        w.WriteLine($"# Ablation study of `{ctx.Model.Source}`");
        w.WriteLine();
        w.WriteLine($"Data `{ctx.Data.Spec}`, {ctx.Data.Count} samples, mode **{ctx.Mode}**, evaluator {ctx.Evaluator.Name}, store `{ctx.Store.Path}`.");
        w.WriteLine();
        w.WriteLine($"Baseline accuracy **{P(a.Baseline.Accuracy)}%**; per class: " +
                    string.Join(", ", a.Baseline.ClassAccuracy.Select((x, c) => $"{c}: {P(x)}%")));
        w.WriteLine();
        var skipped = ctx.Store.Skipped();
        if (skipped.Count > 0 || ctx.Units.Unmapped.Count > 0)
        {
            w.WriteLine("## Not ablated, and why");
            w.WriteLine();
            foreach (var (layer, reason) in skipped) w.WriteLine($"- layer `{layer}`: {reason}");
            foreach (var u in ctx.Units.Unmapped) w.WriteLine($"- {u.OpType} `{u.Node}`: {u.Reason}");
            w.WriteLine();
        }
        foreach (var layer in def.SingleLayers)
        {
            var singles = Enumerable.Range(0, ctx.Units[layer].UnitCount)
                .Select(u => a.Find(ctx.Planner.Key([new UnitSet(layer, [u])]))).OfType<AblationRecord>().Select(a.Impact).ToList();
            if (singles.Count == 0) continue;
            w.WriteLine($"## Single units of `{layer}` ({singles.Count} of {ctx.Units[layer].UnitCount})");
            w.WriteLine();
            w.WriteLine("| unit | accuracy | Δ overall | worst class | Δ worst | best class | Δ best | → wrong | → right |");
            w.WriteLine("|---:|---:|---:|---|---:|---|---:|---:|---:|");
            foreach (var s in singles.OrderBy(s => s.DeltaAccuracy).Take(12))
                w.WriteLine($"| {s.Units[0]} | {P(s.Accuracy)}% | {D(s.DeltaAccuracy)} | {Cls(s.WorstClass)} | {D(s.WorstClassDelta)} | {Cls(s.BestClass)} | {D(s.BestClassDelta)} | {s.FlippedToWrong} | {s.FlippedToRight} |");
            w.WriteLine();
            var quiet = singles.Where(s => s.DeltaAccuracy > -0.05).OrderBy(s => s.WorstClassDelta).Take(5).ToList();
            w.WriteLine($"Units of `{layer}` whose ablation hurts one class most while overall accuracy barely moves (overall drop < 5 points):");
            w.WriteLine();
            if (quiet.Count == 0) w.WriteLine("- none: every single unit of this layer costs at least 5 points overall");
            foreach (var s in quiet)
                w.WriteLine($"- unit {s.Units[0]}: overall {D(s.DeltaAccuracy)} points, class {Cls(s.WorstClass)} {D(s.WorstClassDelta)} points" +
                            (s.BestClassDelta > 0 ? $", class {Cls(s.BestClass)} improves {D(s.BestClassDelta)}" : ""));
            w.WriteLine();
            w.WriteLine($"Class-selective units of `{layer}` (largest single-class loss beyond the overall loss):");
            w.WriteLine();
            foreach (var s in singles.OrderByDescending(s => s.Selectivity).Take(5))
                w.WriteLine($"- unit {s.Units[0]}: overall {D(s.DeltaAccuracy)} points, class {Cls(s.WorstClass)} {D(s.WorstClassDelta)} points" +
                            (s.BestClassDelta > 0 ? $", class {Cls(s.BestClass)} improves {D(s.BestClassDelta)}" : ""));
            w.WriteLine();
        }
        WriteEffects(ctx, w);
        foreach (var layer in def.PairLayers)
        {
            int n = ctx.Units[layer].UnitCount;
            var pairs = new List<PairRedundancy>();
            for (int x = 0; x < n; x++)
                for (int y = x + 1; y < n; y++)
                    if (a.Pair(layer, x, y, ctx.Planner.Key([new UnitSet(layer, [x])]), ctx.Planner.Key([new UnitSet(layer, [y])]), ctx.Planner.Key([new UnitSet(layer, [x, y])])) is { } pr)
                        pairs.Add(pr);
            if (pairs.Count == 0) continue;
            w.WriteLine($"## Pairs of `{layer}` ({pairs.Count} pairs): redundancy split");
            w.WriteLine();
            w.WriteLine("Drop of the pair, in points; *explained* = samples lost that one of the single ablations already loses; *joint only* = lost only when both are ablated.");
            w.WriteLine();
            w.WriteLine("| pair | accuracy | drop | single A | single B | explained | joint only |");
            w.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var pr in pairs.OrderByDescending(p => p.JointOnlyPoints).Take(10))
                w.WriteLine($"| {pr.UnitA}+{pr.UnitB} | {P(pr.PairAccuracy)}% | {pr.DropPoints:F2} | {pr.SingleAPoints:F2} | {pr.SingleBPoints:F2} | {pr.ExplainedPoints:F2} | {pr.JointOnlyPoints:F2} |");
            w.WriteLine();
        }
        var layerRows = def.WholeLayers.Select(l => (l, r: a.Find(ctx.Planner.Key([new UnitSet(l, Enumerable.Range(0, ctx.Units[l].UnitCount).ToArray())])))).Where(x => x.r is not null).ToList();
        if (layerRows.Count > 0)
        {
            w.WriteLine("## Whole layers");
            w.WriteLine();
            foreach (var (l, r) in layerRows) w.WriteLine($"- `{l}` ablated entirely: accuracy {P(r!.Accuracy)}% ({D(r.Accuracy - a.Baseline.Accuracy)} points)");
            w.WriteLine();
        }
        foreach (var layer in def.CumulativeLayers)
        {
            int n = ctx.Units[layer].UnitCount;
            var randomKeys = Enumerable.Range(1, def.CumulativeSeeds)
                .Select(s => (IReadOnlyList<string>)Prefixes(ctx, layer, StudyPlanner.RandomOrder(n, s))).ToList();
            var random = a.Curve(randomKeys, n);
            var drops = orchestrator.SingleDrops(a, ctx.Units[layer], null);
            var byImpact = drops is null ? null : a.Curve([Prefixes(ctx, layer, StudyOrchestrator.ImpactOrder(drops))], n);
            w.WriteLine($"## Cumulative ablation of `{layer}`");
            w.WriteLine();
            w.WriteLine($"Area under accuracy vs fraction ablated: random order {StudyAnalysis.Area(random):F4} (mean of {def.CumulativeSeeds} seeds)" +
                        (byImpact is null ? "" : $", most damaging first {StudyAnalysis.Area(byImpact):F4}"));
            w.WriteLine();
            w.WriteLine("| units ablated | random mean ± sd | most damaging first |");
            w.WriteLine("|---:|---:|---:|");
            for (int i = 0; i < random.Count; i++)
            {
                var pt = random[i];
                string imp = byImpact?.FirstOrDefault(b => b.Units == pt.Units) is { } b2 ? P(b2.Mean) + "%" : "-";
                w.WriteLine($"| {pt.Units} ({P(pt.Fraction)}%) | {P(pt.Mean)}% ± {P(pt.StdDev)} | {imp} |");
            }
            w.WriteLine();
        }
        var phaseTwo = orchestrator.PhaseTwo(def) ?? [];
        var keyOfStudy = phaseTwo.GroupBy(p => p.Study).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        string Key(string study) => keyOfStudy.GetValueOrDefault(study) ?? "";
        foreach (var layer in def.ClassTopLayers)
        {
            var rows = new List<string>();
            for (int c = 0; c < ctx.Data.ClassCount; c++)
                foreach (int n in def.ClassTopN)
                {
                    var top = a.Find(Key(StudyOrchestrator.ClassTopStudy(layer, c, "top", n)));
                    var bottom = a.Find(Key(StudyOrchestrator.ClassTopStudy(layer, c, "bottom", n)));
                    if (top is null || bottom is null) continue;
                    rows.Add($"| {Cls(c)} | {n} | {P(a.Baseline.ClassAccuracy[c])}% | {P(top.ClassAccuracy[c])}% | {P(bottom.ClassAccuracy[c])}% |");
                }
            if (rows.Count == 0) continue;
            w.WriteLine($"## Per-class top/bottom-N units of `{layer}` (Bau et al. 2020)");
            w.WriteLine();
            w.WriteLine("| class | N | class accuracy | N most important ablated | N least important ablated |");
            w.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var row in rows) w.WriteLine(row);
            w.WriteLine();
        }
    }

    private static List<string> Prefixes(StudyContext ctx, string layer, int[] order) =>
        Enumerable.Range(1, order.Length).Select(k => ctx.Planner.Key([new UnitSet(layer, order.Take(k).ToArray())])).ToList();

    /// <summary>The ablations that changed the model's outputs most, against the intact model (no labels needed).</summary>
    private static void WriteEffects(StudyContext ctx, TextWriter w)
    {
        var measured = ctx.Store.All().Where(r => r.Units.Count > 0 && r.Effect is not null).ToList();
        if (measured.Count == 0) return;
        bool scores = measured.Any(r => !double.IsNaN(r.Effect!.Kl));
        string by = scores ? "KL(intact ‖ ablated)" : "drift ‖y′ − y‖ / ‖y‖";
        w.WriteLine($"## Largest effects against the intact model (by {by})");
        w.WriteLine();
        w.WriteLine("| ablation | study | agreement | KL | top-score change | drift | cosine |");
        w.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in measured.OrderByDescending(r => scores ? r.Effect!.Kl : r.Effect!.Drift).Take(12))
        {
            var e = r.Effect!;
            string units = string.Join("; ", r.Units.Select(s => $"{s.Layer}:{string.Join(",", s.Units.Take(8))}{(s.Units.Count > 8 ? ",…" : "")}"));
            w.WriteLine($"| `{units}` | {r.Study} | {P(e.Agreement)}% | {N(e.Kl)} | {N(e.TopScoreChange)} | {N(e.Drift)} | {N(e.Cosine)} |");
        }
        w.WriteLine();
    }

    private static string N(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G4", CultureInfo.InvariantCulture);
}
