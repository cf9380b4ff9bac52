using System.CommandLine;
using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate export STORE --json F --csv F</c>: results of a store as JSON and CSV.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("store") { Description = "SQLite result store" };
        var json = new Option<string?>("--json") { Description = "write JSON here" };
        var csv = new Option<string?>("--csv") { Description = "write CSV here" };
        var c = new Command("export", "Export a result store as JSON (the sweep schema) and/or CSV");
        c.Arguments.Add(store);
        c.Options.Add(json);
        c.Options.Add(csv);
        c.SetAction(r => Run.Guarded(() =>
        {
            using var s = ResultStore.OpenExisting(r.GetValue(store)!);
            if (r.GetValue(json) is { } j) ResultExport.ToJson(s, j);
            if (r.GetValue(csv) is { } cs) ResultExport.ToCsv(s, cs);
            if (r.GetValue(json) is null && r.GetValue(csv) is null) ResultExport.ToJson(s, Console.OpenStandardOutput());
            return 0;
        }));
        return c;
    }
}
