using System.CommandLine;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using Spectre.Console;

using OnnxAblation.Analysis;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate importance MODEL [--init INIT.onnx] [--data SPEC]</c>: per-unit weight metrics of the hidden layers with
/// the Mann-Whitney test of trained against initial weights (Meyes et al. 2019), and activation metrics (mean, APoZ,
/// class-conditional means, class selectivity of Morcos et al. 2018) when data is given.
/// </summary>
internal static class ImportanceCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var init = new Option<string?>("--init") { Description = "the same network with its initial weights: the Mann-Whitney reference (default: PyTorch's default uniform init U(-b,b), b=1/sqrt(fan_in))" };
        var layers = new Option<string?>("--layers") { Description = "comma-separated layer names (default: every hidden layer)" };
        var json = new Option<string?>("--json") { Description = "write the metrics as JSON here" };
        var csv = new Option<string?>("--csv") { Description = "write one CSV line per unit here" };
        var c = new Command("importance", "Per-unit importance metrics: weight statistics, Mann-Whitney test of trained vs initial weights, and (with --data) activation mean, APoZ, class means and class selectivity");
        common.AddModelAndData(c, dataRequired: false);
        foreach (var o in new Option[] { init, layers, json, csv }) c.Options.Add(o);
        c.SetAction(r => Run.Guarded(() =>
        {
            var session = AblationSession.Open(common.LoadModel(r), common.LoadData(r), common.Session(r));
            var initModel = r.GetValue(init) is { } ip ? OnnxModel.Load(ip) : null;
            var report = Run.Staged(p => session.Importance(r.GetValue(layers), initModel, p));
            var chosen = LayerChoice.Resolve(session.Units, r.GetValue(layers));
            Describe(report, chosen, initModel?.Source, session.Data?.Spec).WriteConsole(AnsiConsole.Console);
            if (r.GetValue(json) is { } j)
            {
                using var f = File.Create(j);
                report.ToJson(f);
            }
            if (r.GetValue(csv) is { } cs)
            {
                using var w = new StreamWriter(cs);
                report.ToCsv(w);
            }
            return 0;
        }));
        return c;
    }

    /// <summary>A hint when no init model was given but an init.onnx lies next to the model, else null.</summary>
    public static string? InitHint(string model)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(model));
        string candidate = Path.Combine(dir ?? ".", "init.onnx");
        return File.Exists(candidate) && !string.Equals(Path.GetFullPath(model), candidate, StringComparison.Ordinal)
            ? $"no --init given, but {Path.Combine(Path.GetDirectoryName(model) ?? "", "init.onnx")} lies next to the model: if it holds the initial weights, pass it with --init to test against them"
            : null;
    }

    /// <summary>Which reference the Mann-Whitney test used, in words.</summary>
    public static string ReferenceText(LayerWeightMetrics w, string? init) => init is not null
        ? $"trained incoming weights vs the same weights at initialisation in `{init}`"
        : $"trained incoming weights vs PyTorch's default init U(-b, b), b = 1/sqrt(fan_in) = {Fmt.G(1 / Math.Sqrt(w.FanIn))} (no --init given; analytic uniform CDF)";

    private static ReportDocument Describe(ImportanceReport report, IReadOnlyList<Layer> layers, string? init, string? data)
    {
        var doc = new ReportDocument();
        doc.Heading(1, $"Unit importance metrics of `{report.Model}`");
        doc.Paragraph(init is not null
            ? $"Mann-Whitney reference: the initial weights in `{init}`."
            : "Mann-Whitney reference: PyTorch's default initialisation U(-b, b), b = 1/sqrt(fan_in) (no --init given)." +
              (InitHint(report.Model) is { } hint ? " Note: " + hint + "." : ""));
        doc.Paragraph(data is not null ? $"Activations on `{data}`." : "No --data: activation metrics not computed.");
        foreach (var layer in layers)
        {
            var w = report.Weights.First(x => x.Layer == layer.Name);
            var a = report.Activations.FirstOrDefault(x => x.Layer == layer.Name);
            doc.Heading(2, $"{layer.Name} ({layer.OpType}, {layer.UnitCount} units)");
            var facts = new List<string>
            {
                $"weight `{w.WeightName}`, fan_in {w.FanIn}; Mann-Whitney: {ReferenceText(w, init)}",
                $"units whose weights changed significantly (p < 0.05): {w.Units.Count(u => u.Change.P < 0.05)} of {w.Units.Count}",
            };
            facts.AddRange(w.Units.Select(u => u.OutgoingNote).OfType<string>().Distinct().Select(n => "outgoing weights: " + n));
            if (a is not null)
            {
                facts.Add($"activations read from `{a.Tensor}` ({a.Source}), {a.Samples} samples");
                facts.Add($"dead units (never active, APoZ = 1): {a.Units.Count(u => u.ZeroFraction >= 1)}");
            }
            doc.Bullets(facts);
            var headers = new List<string> { "unit", "in L1", "in L2", "in max|w|", "in ~0", "out L1", "out L2", "MW z", "MW p", "rank-biserial" };
            if (a is not null) headers.AddRange(["act mean", "APoZ", "selectivity", "top class"]);
            var rows = new List<IReadOnlyList<string>>();
            for (int u = 0; u < w.Units.Count; u++)
            {
                var m = w.Units[u];
                var row = new List<string>
                {
                    Fmt.I(u), Fmt.G(m.Incoming.L1), Fmt.G(m.Incoming.L2), Fmt.G(m.Incoming.MaxAbs), Fmt.G(m.Incoming.NearZeroFraction),
                    Fmt.G(m.Outgoing.L1), Fmt.G(m.Outgoing.L2), Fmt.G(m.Change.Z), Fmt.P(m.Change.P), Fmt.R(m.Change.RankBiserial),
                };
                if (a is not null)
                {
                    var x = a.Units[u];
                    int top = TopClass(x.ClassMeans);
                    row.AddRange([Fmt.G(x.Mean), Fmt.G(x.ZeroFraction), Fmt.G(x.Selectivity), top < 0 ? "-" : a.ClassNames[top]]);
                }
                rows.Add(row);
            }
            doc.Table(headers, rows);
        }
        return doc;
    }

    private static int TopClass(IReadOnlyList<double> means)
    {
        int best = -1;
        for (int c = 0; c < means.Count; c++)
            if (!double.IsNaN(means[c]) && (best < 0 || means[c] > means[best])) best = c;
        return best;
    }
}
