using System.CommandLine;
using OnnxAblation.Requests;

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
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            var session = so.Session(r);
            var request = so.Settings(r, new SweepRequest
            {
                StorePath = "",
                Layers = r.GetValue(layers) is "none" ? [] : r.GetValue(layers) is { } l ? Names.Split(l) : null,
                Groups = r.GetValue(groups) ?? [],
                WholeLayers = r.GetValue(wholeLayers),
            }, session);
            using var result = Run.Staged(p => session.Sweep(request, p, cancellation));
            so.Export(r, result.Context.Store);
            StudyReport.Print(result.Context, result.Definition, Console.Out);
            return StudyOutcome.ExitCode(result, Console.Error);
        }));
        return c;
    }
}
