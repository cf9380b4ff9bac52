using System.CommandLine;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate sweep MODEL --data SPEC</c>: every unit of the chosen layers ablated alone.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var so = new StudyOptions();
        var layers = new Option<string?>("--layers") { Description = "comma-separated layer names (default: every hidden layer; 'none' with --group: only the groups)" };
        var groups = new Option<string[]>("--group") { Description = "also ablate this group, e.g. \"fc1:3,15;fc2:0\" (repeatable)", AllowMultipleArgumentsPerToken = false };
        var wholeLayers = new Option<bool>("--whole-layers") { Description = "also ablate each chosen layer entirely" };
        var c = new Command("sweep", "Single-unit sweep: ablate each unit of the chosen layers alone and store per-class results");
        so.AddTo(c);
        c.Options.Add(layers);
        c.Options.Add(groups);
        c.Options.Add(wholeLayers);
        c.SetAction(r => Run.Guarded(() =>
        {
            using var ctx = so.Open(r);
            var chosen = r.GetValue(layers) is "none" ? []
                : r.GetValue(layers) is { } l
                ? l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => ctx.Units[n].Name).ToList()
                : ctx.Units.HiddenLayers.Select(x => x.Name).ToList();
            var def = new StudyDefinition
            {
                SingleLayers = chosen,
                Groups = (r.GetValue(groups) ?? []).Select(g => ctx.Planner.ParseUnits(g)).ToList(),
                WholeLayers = r.GetValue(wholeLayers) ? chosen : [],
            };
            var orchestrator = new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store) { Sharded = ctx.Shard is not null, Impact = so.ImpactFor(r, ctx) };
            Run.WithProgress($"sweep ({ctx.Evaluator.Name})", p => orchestrator.Run(def, p));
            so.Export(r, ctx.Store);
            StudyReport.Print(ctx, def, Console.Out);
            return StudyOutcome.ExitCode(orchestrator, r.GetValue(layers) is not null || def.Groups.Count > 0, ctx.Store.Path, Console.Error);
        }));
        return c;
    }
}
