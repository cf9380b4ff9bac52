using System.CommandLine;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Spectre.Console;

using OnnxAblation.Requests;
using OnnxAblation.Studies;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate correlate STORE</c>: do per-unit metrics (weights, Mann-Whitney test, activations) predict the measured
/// single-unit damage of a sweep/study store? Pearson/Spearman with p, top-k overlap, the paper's headline
/// (Spearman between the Mann-Whitney p-value and the accuracy drop), and cumulative curves ordered by each metric vs
/// random orders, evaluated into the same store (resumable).
/// </summary>
internal static class CorrelateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var store = new Argument<string>("store") { Description = "result store of a sweep or study (single-unit zero-in ablations)" };
        var model = new Option<string?>("--model") { Description = "the model the store was made with (default: the path in the store's metadata); its sha256 must match" };
        var init = new Option<string?>("--init") { Description = "the same network with its initial weights: the Mann-Whitney reference (default: PyTorch's default uniform init)" };
        var layers = new Option<string?>("--layers") { Description = "comma-separated layer names (default: every hidden layer)" };
        var json = new Option<string?>("--json") { Description = "write metrics, damage, predictiveness, headline and curve areas as JSON here" };
        var csv = new Option<string?>("--csv") { Description = "write the predictiveness table (layer × metric × target) as CSV here" };
        var report = new Option<string?>("--report") { Description = "write the report as Markdown here" };
        var exact = new Option<bool>("--exact-reference") { Description = "evaluate the cumulative ablations the slow, obvious way instead of the fast path" };
        var seeds = new Option<int>("--seeds") { Description = "random orders (seeds 1..N) the metric orders are compared with", DefaultValueFactory = _ => 5 };
        var impact = new Option<string>("--impact") { Description = "what the measured damage is: accuracy (drop; default), agreement (loss of top-1 agreement with the intact model), kl (KL(intact ‖ ablated)), drift (‖y′−y‖/‖y‖)", DefaultValueFactory = _ => "accuracy" };
        var noCurves = new Option<bool>("--no-curves") { Description = "skip the cumulative curves (no new evaluations)" };
        var c = new Command("correlate", "Correlate per-unit metrics with the measured single-unit damage in a store; compare cumulative ablation orders by metric with random orders");
        c.Arguments.Add(store);
        foreach (var o in new Option[] { model, init, common.Data, common.Limit, layers, json, csv, report, exact, seeds, noCurves, impact, common.Threads, common.Device, common.BatchSize })
            c.Options.Add(o);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            if (r.GetValue(seeds) < 1) throw new ArgumentException($"--seeds {r.GetValue(seeds)}: need at least one random order");
            string storePath = r.GetValue(store)!;
            OnnxModel m;
            Dataset? data;
            string? problem;
            using (var s = ResultStore.OpenExisting(storePath))
            {
                m = StoreInputs.Model(s, r.GetValue(model));
                (data, problem) = StoreInputs.Data(s, r.GetValue(common.Data), r.GetValue(common.Limit));
                if (data is not null) StoreInputs.CheckData(s, data);
            }
            var initModel = r.GetValue(init) is { } ip ? OnnxModel.Load(ip) : null;
            var session = AblationSession.Open(m, data, new SessionOptions { Inference = common.Inference(r) });
            var analysis = Run.Staged(p => session.Correlate(new CorrelateRequest
            {
                StorePath = storePath,
                Init = initModel,
                Layers = r.GetValue(layers),
                Curves = !r.GetValue(noCurves),
                ExactReference = r.GetValue(exact),
                Seeds = r.GetValue(seeds),
                Impact = Impacts.Parse(r.GetValue(impact)!),
                Notes = new[] { problem is null ? null : problem + " (activation metrics and cumulative curves skipped)", initModel is null ? ImportanceCommand.InitHint(m.Source) : null }
                    .OfType<string>().ToList(),
            }, p, cancellation));
            var doc = CorrelateReport.Build(analysis);
            doc.WriteConsole(AnsiConsole.Console);
            if (r.GetValue(report) is { } md)
            {
                using var w = new StreamWriter(md);
                doc.WriteMarkdown(w);
            }
            if (r.GetValue(json) is { } j) CorrelateReport.ToJson(analysis, j);
            if (r.GetValue(csv) is { } cs)
            {
                using var w = new StreamWriter(cs);
                analysis.Importance.PredictivenessToCsv(w);
            }
            return 0;
        }));
        return c;
    }
}
