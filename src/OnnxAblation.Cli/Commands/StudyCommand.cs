using System.CommandLine;
using System.Globalization;
using OnnxAblation.Requests;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate study MODEL --data SPEC</c>: the Meyes et al. (2019) study: single units of every hidden layer,
/// all pairs of the first, whole layers, cumulative curves (random orders and by impact), per-class top/bottom-N.
/// </summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var so = new StudyOptions();
        var layers = new Option<string?>("--layers") { Description = "layers for single-unit sweeps and cumulative curves (default: every hidden layer)" };
        var pairs = new Option<string?>("--pairs") { Description = "layers whose unit pairs are all ablated (default: the first hidden layer; 'none' for none)" };
        var seeds = new Option<int>("--cumulative-seeds") { Description = "random orders per cumulative curve", DefaultValueFactory = _ => 5 };
        var topN = new Option<string>("--class-top") { Description = "N values for per-class top/bottom-N ablation", DefaultValueFactory = _ => "1,2,4,8" };
        var report = new Option<string?>("--report") { Description = "write the study report (Markdown) here" };
        var heads = new Option<bool>("--heads") { Description = "study the attention heads (Michel et al. 2019): single heads of every attention layer, pairs in the first, cumulative removal within each layer and across all of them, per-class top/bottom-N heads" };
        var blocks = new Option<bool>("--blocks") { Description = "also remove each transformer sub-block (attention, MLP) from the residual stream" };
        var across = new Option<string?>("--across") { Description = "layers whose units are removed cumulatively across all of them (default with --heads: every attention's heads)" };
        var c = new Command("study", "Run the full ablation study of Meyes et al. (2019) on a model and report it");
        so.AddTo(c);
        foreach (var o in new Option[] { layers, pairs, seeds, topN, report, heads, blocks, across }) c.Options.Add(o);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            var session = so.Session(r);
            var request = so.Settings(r, new StudyRequest
            {
                StorePath = "",
                Layers = r.GetValue(layers) is { } l ? Names.Split(l) : null,
                PairLayers = r.GetValue(pairs) is { } p ? (p == "none" ? [] : Names.Split(p)) : null,
                CumulativeSeeds = r.GetValue(seeds),
                Heads = r.GetValue(heads),
                Blocks = r.GetValue(blocks),
                AcrossLayers = r.GetValue(across) is { } x ? Names.Split(x) : null,
                ClassTopN = Names.Split(r.GetValue(topN)!).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList(),
            }, session);
            using var result = Run.Staged(pr => session.Study(request, pr, cancellation));
            if (!result.Complete)
                Console.Error.WriteLine("note: phase 2 (orders by measured impact) needs every shard's singles: merge the shard stores, then run this command again on the merged store (--store) without --shard");
            so.Export(r, result.Context.Store);
            StudyReport.Print(result.Context, result.Definition, Console.Out);
            if (r.GetValue(report) is { } path)
            {
                using var w = new StreamWriter(path);
                StudyReport.Print(result.Context, result.Definition, w);
            }
            return StudyOutcome.ExitCode(result, Console.Error);
        }));
        return c;
    }
}
