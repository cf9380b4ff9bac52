using System.CommandLine;
using OnnxAblation.Report;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate report STORE… --out DIR</c>: the HTML report of result stores (OnnxAblation.Report writes it).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var stores = new Argument<string[]>("stores") { Description = "result stores (study, sweep, correlate, compare, recover)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "folder for index.html and plots/", Required = true };
        var model = new Option<string?>("--model") { Description = "the first store's model (sha256 checked): adds weight metrics vs measured impact" };
        var c = new Command("report", "Write a self-contained HTML report (index.html + SVG plots) of result stores: summary, units × classes heatmaps, per-unit bars, pairs, cumulative curves, importance, recovery, comparison");
        c.Arguments.Add(stores);
        c.Options.Add(outDir);
        c.Options.Add(model);
        c.SetAction(r => Run.Guarded(() =>
        {
            var result = HtmlReport.Write(new ReportRequest { Stores = r.GetValue(stores)!, OutDir = r.GetValue(outDir)!, ModelPath = r.GetValue(model) });
            Console.WriteLine($"report: {result.IndexPath} ({result.Plots} plots, {result.Bytes / 1024} KiB)");
            return 0;
        }));
        return c;
    }
}
