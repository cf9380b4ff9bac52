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
        var shape = new StudyShapeOptions();
        var report = new Option<string?>("--report") { Description = "write the study report (Markdown) here" };
        var c = new Command("study", "Run the full ablation study of Meyes et al. (2019) on a model and report it");
        so.AddTo(c);
        shape.AddTo(c);
        c.Options.Add(report);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            var session = so.Session(r);
            var request = so.Settings(r, shape.Request(r), session);
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
