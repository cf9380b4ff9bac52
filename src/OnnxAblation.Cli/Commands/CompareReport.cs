using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxAblation.Ablation.Studies;

using OnnxAblation.Analysis;

namespace OnnxAblation.Cli.Commands;

/// <summary>Renders a comparison of two models' ablation studies side by side (console, Markdown, JSON).</summary>
internal static class CompareReport
{
    public static ReportDocument Build(ComparedModel a, ComparedModel b, string data, int samples, IReadOnlyList<string> classNames,
        IReadOnlyList<LayerMatch>? matches, string? mismatch)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(classNames);
        var doc = new ReportDocument();
        doc.Heading(1, $"Comparison: A `{a.Model}` vs B `{b.Model}`");
        doc.Paragraph($"Data `{data}`, {samples} samples; zero-in ablations of every single unit and every whole hidden layer. " +
                      $"Stores: A `{a.Store}` ({a.Evaluated} evaluated now), B `{b.Store}` ({b.Evaluated} evaluated now); evaluator {a.Evaluator}.");

        doc.Heading(2, "Summary");
        var summary = new List<string> { $"baseline accuracy: A {Fmt.Pct(a.Baseline.Accuracy)}, B {Fmt.Pct(b.Baseline.Accuracy)}" };
        if (matches is not null)
        {
            foreach (var m in matches)
                summary.Add($"hidden layer {m.Position} ({m.A.Layer.UnitCount} units): mean single-unit drop A {Fmt.Drop(m.A.MeanDrop)} / B {Fmt.Drop(m.B.MeanDrop)} points; " +
                            $"whole layer A {Fmt.Drop(m.A.WholeLayerDrop)} / B {Fmt.Drop(m.B.WholeLayerDrop)}; " +
                            $"Spearman(MW p, drop) A {Fmt.R(m.A.MannWhitneyVsDrop.R)} / B {Fmt.R(m.B.MannWhitneyVsDrop.R)}; " +
                            $"matched units: mean r = {Fmt.R(m.MeanR)} (chance {Fmt.R(m.ChanceMean)}, permutation p = {Fmt.P(m.ChanceP)})");
        }
        else summary.Add($"architectures differ ({mismatch}): layers and units are not matched");
        doc.Bullets(summary);

        doc.Heading(2, "Baseline");
        var rows = new List<IReadOnlyList<string>> { new[] { "overall", Fmt.Pct(a.Baseline.Accuracy), Fmt.Pct(b.Baseline.Accuracy), Fmt.Pts(b.Baseline.Accuracy - a.Baseline.Accuracy) } };
        for (int c = 0; c < classNames.Count; c++)
            rows.Add([$"{c} ({classNames[c]})", Fmt.Pct(a.Baseline.ClassAccuracy[c]), Fmt.Pct(b.Baseline.ClassAccuracy[c]), Fmt.Pts(b.Baseline.ClassAccuracy[c] - a.Baseline.ClassAccuracy[c])]);
        doc.Table(["class", "A accuracy", "B accuracy", "B − A (points)"], rows);

        doc.Heading(2, "Per-layer sensitivity (accuracy drop in points)");
        if (matches is not null)
            doc.Table(["hidden layer", "A layer", "B layer", "units", "A mean", "A max (unit)", "A whole layer", "B mean", "B max (unit)", "B whole layer"],
                matches.Select(m => (IReadOnlyList<string>)[Fmt.I(m.Position), m.A.Layer.Name, m.B.Layer.Name, Fmt.I(m.A.Layer.UnitCount),
                    Fmt.Drop(m.A.MeanDrop), $"{Fmt.Drop(m.A.MaxDrop)} ({m.A.MaxUnit})", Fmt.Drop(m.A.WholeLayerDrop),
                    Fmt.Drop(m.B.MeanDrop), $"{Fmt.Drop(m.B.MaxDrop)} ({m.B.MaxUnit})", Fmt.Drop(m.B.WholeLayerDrop)]));
        else
            doc.Table(["model", "layer", "units", "mean", "max (unit)", "whole layer"],
                new[] { a, b }.SelectMany(x => x.Layers.Select(l => (IReadOnlyList<string>)[x.Label, l.Layer.Name, Fmt.I(l.Layer.UnitCount),
                    Fmt.Drop(l.MeanDrop), $"{Fmt.Drop(l.MaxDrop)} ({l.MaxUnit})", Fmt.Drop(l.WholeLayerDrop)])));

        doc.Heading(2, "Class-selective units (largest single-class loss beyond the overall loss; top 5 per layer)");
        string Sel(UnitImpact i) => $"{i.Units[0]}: overall {Fmt.Drop(-i.DeltaAccuracy)}, class {i.WorstClass} ({classNames[i.WorstClass]}) {Fmt.Drop(-i.WorstClassDelta)}";
        if (matches is not null)
            foreach (var m in matches)
                doc.Table(["rank", $"A {m.A.Layer.Name}", $"B {m.B.Layer.Name}"],
                    Enumerable.Range(0, Math.Max(m.A.Selective.Count, m.B.Selective.Count)).Select(k => (IReadOnlyList<string>)[Fmt.I(k + 1),
                        k < m.A.Selective.Count ? Sel(m.A.Selective[k]) : "", k < m.B.Selective.Count ? Sel(m.B.Selective[k]) : ""]),
                    $"hidden layer {m.Position}: unit: drops in points");
        else
            foreach (var x in new[] { a, b })
                foreach (var l in x.Layers)
                    doc.Table(["rank", $"{x.Label} {l.Layer.Name}"], l.Selective.Select((s, k) => (IReadOnlyList<string>)[Fmt.I(k + 1), Sel(s)]));

        doc.Heading(2, "Metric correlation: Spearman(Mann-Whitney p-value, accuracy drop)");
        doc.Paragraph("Mann-Whitney reference: " + string.Join("; ", new[] { a, b }.Select(x => $"{x.Label} " + (x.Init is null ? "PyTorch's default uniform init (no init model given)" : $"initial weights `{x.Init}`"))) +
                      ". Negative ρ: units whose weights changed more are more important.");
        if (matches is not null)
            doc.Table(["hidden layer", "units", "A ρ (p)", "B ρ (p)"],
                matches.Select(m => (IReadOnlyList<string>)[Fmt.I(m.Position), Fmt.I(m.A.Layer.UnitCount), Fmt.Rp(m.A.MannWhitneyVsDrop.R, m.A.MannWhitneyVsDrop.P), Fmt.Rp(m.B.MannWhitneyVsDrop.R, m.B.MannWhitneyVsDrop.P)]));
        else
            doc.Table(["model", "layer", "units", "ρ (p)"],
                new[] { a, b }.SelectMany(x => x.Layers.Select(l => (IReadOnlyList<string>)[x.Label, l.Layer.Name, Fmt.I(l.Layer.UnitCount), Fmt.Rp(l.MannWhitneyVsDrop.R, l.MannWhitneyVsDrop.P)])));

        if (matches is not null)
        {
            doc.Heading(2, "Matched units");
            doc.Paragraph("Units of A and B matched one to one by the Pearson correlation of their per-class drop vectors (baseline − ablated accuracy of each class). " +
                          "The match is greedy (highest correlation first), not the optimal assignment of the Hungarian algorithm. " +
                          "Chance level: the same greedy match with B's classes permuted (200 permutations): a high chance level means both layers simply cover every class.");
            foreach (var m in matches)
            {
                doc.Paragraph($"Hidden layer {m.Position}: mean matched correlation {Fmt.R(m.MeanR)} (chance {Fmt.R(m.ChanceMean)}, 95th percentile {Fmt.R(m.ChanceP95)}, permutation p = {Fmt.P(m.ChanceP)}); " +
                              $"matched units' overall drops agree with Spearman {Fmt.Rp(m.DropAgreement.R, m.DropAgreement.P)}" +
                              (m.Pairs.Any(p => double.IsNaN(p.R)) ? $"; {m.Pairs.Count(p => double.IsNaN(p.R))} pair(s) undefined (a unit whose ablation changes no class accuracy)" : "") + ".",
                    strong: true);
                doc.Table(["A unit", "B unit", "r", "A drop", "B drop", "A most hurt class", "B most hurt class"],
                    m.Pairs.Select(p => (IReadOnlyList<string>)[Fmt.I(p.A), Fmt.I(p.B), Fmt.R(p.R), Fmt.Drop(m.A.Damage.AccuracyDrop[p.A]), Fmt.Drop(m.B.Damage.AccuracyDrop[p.B]),
                        Hurt(m.A.ClassDrops[p.A], classNames), Hurt(m.B.ClassDrops[p.B], classNames)]));
            }
        }
        return doc;
    }

    private static string Hurt(double[] drops, IReadOnlyList<string> names)
    {
        int c = Enumerable.Range(0, drops.Length).MaxBy(i => drops[i]);
        return $"{c} ({names[c]}) {Fmt.Drop(drops[c])}";
    }

    public static void ToJson(ComparedModel a, ComparedModel b, string data, IReadOnlyList<LayerMatch>? matches, string? mismatch, string path)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        static JsonArray Arr(IEnumerable<double> v) => new(v.Select(N).ToArray());
        JsonObject Model(ComparedModel x) => new()
        {
            ["model"] = x.Model,
            ["store"] = x.Store,
            ["evaluated"] = x.Evaluated,
            ["baseline_accuracy"] = N(x.Baseline.Accuracy),
            ["baseline_class_accuracy"] = Arr(x.Baseline.ClassAccuracy),
            ["mann_whitney_reference"] = x.Init is null ? "pytorch-default-uniform" : "init-model:" + x.Init,
            ["layers"] = new JsonArray(x.Layers.Select(l => (JsonNode?)new JsonObject
            {
                ["layer"] = l.Layer.Name,
                ["units"] = l.Layer.UnitCount,
                ["mean_drop"] = N(l.MeanDrop),
                ["max_drop"] = N(l.MaxDrop),
                ["max_unit"] = l.MaxUnit,
                ["whole_layer_drop"] = N(l.WholeLayerDrop),
                ["spearman_mwu_p_vs_drop"] = N(l.MannWhitneyVsDrop.R),
                ["spearman_mwu_p_vs_drop_p"] = N(l.MannWhitneyVsDrop.P),
                ["accuracy_drop"] = Arr(l.Damage.AccuracyDrop),
                ["selective_units"] = new JsonArray(l.Selective.Select(s => (JsonNode?)new JsonObject
                {
                    ["unit"] = s.Units[0], ["drop"] = N(-s.DeltaAccuracy), ["class"] = s.WorstClass, ["class_drop"] = N(-s.WorstClassDelta),
                }).ToArray()),
            }).ToArray()),
        };
        var root = new JsonObject
        {
            ["data"] = data,
            ["a"] = Model(a),
            ["b"] = Model(b),
            ["architectures_match"] = matches is not null,
            ["mismatch"] = mismatch,
            ["matching"] = "greedy by Pearson r of per-class drop vectors (not the Hungarian optimum)",
            ["matches"] = matches is null ? null : new JsonArray(matches.Select(m => (JsonNode?)new JsonObject
            {
                ["position"] = m.Position,
                ["a_layer"] = m.A.Layer.Name,
                ["b_layer"] = m.B.Layer.Name,
                ["mean_r"] = N(m.MeanR),
                ["chance_mean_r"] = N(m.ChanceMean),
                ["chance_p95_r"] = N(m.ChanceP95),
                ["permutation_p"] = N(m.ChanceP),
                ["drop_agreement_spearman"] = N(m.DropAgreement.R),
                ["pairs"] = new JsonArray(m.Pairs.Select(p => (JsonNode?)new JsonObject { ["a"] = p.A, ["b"] = p.B, ["r"] = N(p.R) }).ToArray()),
            }).ToArray()),
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
