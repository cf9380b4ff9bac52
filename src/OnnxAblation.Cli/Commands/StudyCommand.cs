using System.CommandLine;
using OnnxAblation.Ablation.Studies;

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
        var c = new Command("study", "Run the full ablation study of Meyes et al. (2019) on a model and report it");
        so.AddTo(c);
        foreach (var o in new Option[] { layers, pairs, seeds, topN, report }) c.Options.Add(o);
        c.SetAction(r => Run.Guarded(() =>
        {
            using var ctx = so.Open(r);
            static List<string> Names(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var hidden = r.GetValue(layers) is { } l ? Names(l).Select(n => ctx.Units[n].Name).ToList() : ctx.Units.HiddenLayers.Select(x => x.Name).ToList();
            var pairLayers = r.GetValue(pairs) is { } p ? (p == "none" ? [] : Names(p).Select(n => ctx.Units[n].Name).ToList()) : hidden.Take(1).ToList();
            var def = new StudyDefinition
            {
                SingleLayers = hidden,
                PairLayers = pairLayers,
                WholeLayers = hidden,
                CumulativeLayers = hidden,
                CumulativeSeeds = r.GetValue(seeds),
                ClassTopLayers = hidden,
                ClassTopN = Names(r.GetValue(topN)!).Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            };
            var orchestrator = new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store) { Sharded = ctx.Shard is not null, Impact = so.ImpactFor(r, ctx) };
            bool complete = Run.WithProgress($"study ({ctx.Evaluator.Name})", pr => orchestrator.Run(def, pr));
            if (!complete)
                Console.Error.WriteLine("note: phase 2 (orders by measured impact) needs every shard's singles: merge the shard stores, then run this command again on the merged store (--store) without --shard");
            so.Export(r, ctx.Store);
            StudyReport.Print(ctx, def, Console.Out);
            if (r.GetValue(report) is { } path)
            {
                using var w = new StreamWriter(path);
                StudyReport.Print(ctx, def, w);
            }
            return StudyOutcome.ExitCode(orchestrator, r.GetValue(layers) is not null || r.GetValue(pairs) is not null and not "none", ctx.Store.Path, Console.Error);
        }));
        return c;
    }
}
