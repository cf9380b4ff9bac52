using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Importance;

using OnnxAblation.Analysis;

namespace OnnxAblation.Cli.Commands;

/// <summary>Renders a <see cref="CorrelationAnalysis"/>: headline, per-layer predictiveness tables and curve areas; JSON.</summary>
internal static class CorrelateReport
{
    public static string ReferenceText(CorrelationAnalysis a) => a.Init is not null
        ? $"each unit's trained incoming weights vs its initial weights in `{a.Init}`"
        : "each unit's trained incoming weights vs PyTorch's default init U(-b, b), b = 1/sqrt(fan_in) (no --init given)";

    /// <summary>One line per layer: the Spearman between the Mann-Whitney p-value and the accuracy drop.</summary>
    public static IEnumerable<string> HeadlineLines(CorrelationAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        foreach (var l in a.Layers)
        {
            var h = l.Headline;
            yield return h is null || double.IsNaN(h.Spearman.R)
                ? $"{l.Layer.Name}: Spearman(Mann-Whitney p, {a.DamageName}) undefined ({h?.Spearman.Note ?? "no values"})"
                : $"{l.Layer.Name}: Spearman(Mann-Whitney p, {a.DamageName}) = {Fmt.R(h.Spearman.R)} (p = {Fmt.P(h.Spearman.P)}, n = {h.Spearman.N} units)";
        }
    }

    public static ReportDocument Build(CorrelationAnalysis a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var doc = new ReportDocument();
        doc.Heading(1, $"Do unit metrics predict ablation damage? `{a.Model}`");
        doc.Paragraph($"Store `{a.StorePath}`, data `{a.DataSpec}`, {a.Samples} samples, baseline accuracy {Fmt.Pct(a.Baseline.Accuracy)}. " +
                      $"Damage = single-unit {CorrelationAnalysis.Mode} ablations from the store; Mann-Whitney test: {ReferenceText(a)}.");
        doc.Heading(2, $"Headline: Mann-Whitney p-value vs {a.DamageName} (Meyes et al. 2019)");
        foreach (var line in HeadlineLines(a)) doc.Paragraph(line, strong: true);
        doc.Paragraph("A low p-value means the unit's weights moved far from their initial distribution; a negative ρ means such units cost more accuracy when ablated.");

        foreach (var l in a.Layers)
        {
            doc.Heading(2, $"`{l.Layer.Name}` ({l.Layer.UnitCount} units, {l.Measured} measured)");
            var drops = l.Damage.AccuracyDrop;
            int worst = Enumerable.Range(0, drops.Count).Where(u => double.IsFinite(drops[u])).OrderByDescending(u => drops[u]).First();
            doc.Paragraph($"Single-unit accuracy drop: mean {Fmt.Drop(drops.Where(double.IsFinite).Average())} points, largest {Fmt.Drop(drops[worst])} points (unit {worst}); " +
                          $"largest class drop {Fmt.Drop(l.Damage.MaxClassDrop.Where(double.IsFinite).Max())} points. " +
                          $"Units with Mann-Whitney p < 0.05: {l.Weights.Units.Count(u => u.Change.P < 0.05)} of {l.Weights.Units.Count}.");
            var rows = new List<IReadOnlyList<string>>();
            foreach (string metric in l.Predictiveness.Select(p => p.Metric).Distinct())
            {
                var acc = l.Find(metric, "accuracy-drop")!;
                var cls = l.Find(metric, "max-class-drop")!;
                string Top(int k) => acc.TopK.FirstOrDefault(t => t.K == k) is { } t ? Fmt.F2(t.Overlap) : "-";
                rows.Add([metric, acc.Direction == MetricDirection.HigherIsImportant ? "high" : "low",
                    Fmt.Rp(acc.Spearman.R, acc.Spearman.P), Fmt.Rp(acc.Pearson.R, acc.Pearson.P), Top(1), Top(3), Top(5),
                    Fmt.Rp(cls.Spearman.R, cls.Spearman.P)]);
            }
            doc.Table(["metric", "important when", "Spearman ρ vs drop", "Pearson r vs drop", "top-1", "top-3", "top-5", "Spearman ρ vs max class drop"], rows,
                "Predictiveness (top-k: overlap of the k most important units by metric and by measured drop)");
            doc.Bullets(l.Predictiveness.Where(p => p.Target == "accuracy-drop" && (p.Spearman.Note ?? p.Pearson.Note) is not null)
                .Select(p => $"{p.Metric}: {p.Spearman.Note ?? p.Pearson.Note}"));
            if (l.Curves is { } c)
            {
                var curveRows = new List<IReadOnlyList<string>>
                {
                    new[] { $"random ({c.Seeds.Count} seeds)", "-", $"{Fmt.F4(c.RandomMean)} ± {Fmt.F4(c.RandomSd)}", "-", "-" },
                };
                if (c.Impact is { } im) curveRows.Add(Row("measured impact (most damaging first)", "-", im, c));
                curveRows.AddRange(c.Metrics.OrderBy(m => m.Area).Select(m => Row(m.Name, m.Direction == MetricDirection.HigherIsImportant ? "high" : "low", m, c)));
                doc.Table(["order", "first", "AUC", "Δ vs random mean", $"beats random (of {c.Seeds.Count})"], curveRows,
                    "Cumulative ablation: area under accuracy vs fraction of units ablated (mean accuracy over the curve; lower = important units removed earlier)");
            }
        }
        if (a.Evaluator is not null)
            doc.Paragraph($"Cumulative ablations: {a.Evaluated} evaluated now ({a.Evaluator} evaluator), the rest read from the store.");
        if (a.Notes.Count > 0)
        {
            doc.Heading(2, "Notes");
            doc.Bullets(a.Notes);
        }
        return doc;
    }

    private static string[] Row(string name, string first, OrderArea o, CumulativeComparison c) =>
        [name, first, Fmt.F4(o.Area), (o.Area - c.RandomMean).ToString("+0.0000;-0.0000;0.0000", System.Globalization.CultureInfo.InvariantCulture), Fmt.I(c.Beats(o.Area))];

    /// <summary>
    /// The <see cref="ImportanceReport"/> JSON (units, metrics, predictiveness) extended with the store, per-unit damage,
    /// the headline per layer and the cumulative-curve areas. Non-finite numbers are null.
    /// </summary>
    public static void ToJson(CorrelationAnalysis a, string path)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var ms = new MemoryStream();
        a.Importance.ToJson(ms);
        var root = JsonNode.Parse(ms.ToArray())!.AsObject();
        root["store"] = a.StorePath;
        root["data"] = a.DataSpec;
        root["samples"] = a.Samples;
        root["baseline_accuracy"] = N(a.Baseline.Accuracy);
        root["mann_whitney_reference"] = a.Init is not null ? "init-model:" + a.Init : "pytorch-default-uniform";
        root["damage_mode"] = CorrelationAnalysis.Mode;
        root["impact"] = Impacts.Name(a.Impact);
        var damage = new JsonArray();
        foreach (var l in a.Layers)
            for (int u = 0; u < l.Damage.AccuracyDrop.Count; u++)
                damage.Add(new JsonObject { ["layer"] = l.Layer.Name, ["unit"] = u, ["accuracy_drop"] = N(l.Damage.AccuracyDrop[u]), ["max_class_drop"] = N(l.Damage.MaxClassDrop[u]) });
        root["damage"] = damage;
        var headline = new JsonArray();
        foreach (var l in a.Layers)
        {
            var h = l.Headline;
            headline.Add(new JsonObject
            {
                ["layer"] = l.Layer.Name,
                ["statistic"] = "spearman(mwu_p, accuracy_drop)",
                ["spearman_r"] = N(h?.Spearman.R ?? double.NaN),
                ["spearman_p"] = N(h?.Spearman.P ?? double.NaN),
                ["n"] = h?.Spearman.N ?? 0,
                ["note"] = h?.Spearman.Note,
            });
        }
        root["headline"] = headline;
        var curves = new JsonArray();
        foreach (var l in a.Layers.Where(l => l.Curves is not null))
        {
            var c = l.Curves!;
            curves.Add(new JsonObject
            {
                ["layer"] = l.Layer.Name,
                ["units"] = l.Layer.UnitCount,
                ["random"] = new JsonObject
                {
                    ["seeds"] = new JsonArray(c.Seeds.Select(x => (JsonNode?)x).ToArray()),
                    ["auc"] = new JsonArray(c.RandomAreas.Select(N).ToArray()),
                    ["auc_mean"] = N(c.RandomMean),
                    ["auc_sd"] = N(c.RandomSd),
                },
                ["impact"] = c.Impact is { } im ? Order(im, c) : null,
                ["orders"] = new JsonArray(c.Metrics.Select(m => (JsonNode?)Order(m, c)).ToArray()),
            });
        }
        root["cumulative"] = curves;
        root["notes"] = new JsonArray(a.Notes.Select(n => (JsonNode?)n).ToArray());
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject Order(OrderArea o, CumulativeComparison c) => new()
    {
        ["metric"] = o.Name,
        ["direction"] = o.Direction switch { MetricDirection.HigherIsImportant => "higher-is-important", MetricDirection.LowerIsImportant => "lower-is-important", _ => null },
        ["auc"] = N(o.Area),
        ["delta_vs_random_mean"] = N(o.Area - c.RandomMean),
        ["beats_random_orders"] = c.Beats(o.Area),
        ["order"] = new JsonArray(o.Order.Select(x => (JsonNode?)x).ToArray()),
    };

    private static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
