using System.CommandLine;
using OnnxAblation.Cli.Commands;

namespace OnnxAblation.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Into a pipe or a file, tables keep their rows on one line each instead of wrapping at 80 columns.
        if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 400;
        var root = new RootCommand("onnx-ablate: ablation studies on ONNX models (knock out units, evaluate with ONNX Runtime, analyse, recover)");
        foreach (var c in new[]
                 {
                     InspectCommand.Create(), EvalCommand.Create(), AblateCommand.Create(), SweepCommand.Create(),
                     StudyCommand.Create(), PlanCommand.Create(), MergeCommand.Create(), ExportCommand.Create(), BenchCommand.Create(), RecoverCommand.Create(),
                     ImportanceCommand.Create(), CorrelateCommand.Create(), CompareCommand.Create(), ReportCommand.Create(),
                 })
            root.Subcommands.Add(c);
        return root.Parse(args).Invoke();
    }
}
