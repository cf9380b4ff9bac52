using System.CommandLine;
using OnnxAblation.Cli.Commands;

namespace OnnxAblation.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("onnx-ablate: ablation studies on ONNX models (knock out units, evaluate with ONNX Runtime, analyse, recover)");
        foreach (var c in new[]
                 {
                     InspectCommand.Create(), EvalCommand.Create(), AblateCommand.Create(), SweepCommand.Create(),
                     StudyCommand.Create(), MergeCommand.Create(), ExportCommand.Create(), BenchCommand.Create(), RecoverCommand.Create(),
                     ImportanceCommand.Create(), CorrelateCommand.Create(), CompareCommand.Create(),
                 })
            root.Subcommands.Add(c);
        return root.Parse(args).Invoke();
    }
}
