using System.Diagnostics;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Cli;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Report;

/// <summary>
/// A real short study of the MNIST MLP on 300 digits (30 per class), correlate's metric orders added to it, a sweep of
/// the second training on the same digits, one recovery curve written through the store API, and
/// <c>onnx-ablate report</c> over both stores; made once for the report tests.
/// </summary>
public sealed class ReportedStudy
{
    public ReportedStudy()
    {
        Directory = TestPaths.NewTempDirectory();
        StudyStore = Path.Combine(Directory, "study.db");
        SweepStore = Path.Combine(Directory, "seed2.db");
        OutDir = Path.Combine(Directory, "report");
        Cli("study", CliPaths.Mlp, "--data", CliPaths.Digits300, "--limit", "300", "--store", StudyStore, "--cumulative-seeds", "3", "--class-top", "1,4");
        CorrelateJson = Path.Combine(Directory, "correlate.json");
        Cli("correlate", StudyStore, "--init", CliPaths.MlpInit, "--seeds", "3", "--json", CorrelateJson);
        Cli("sweep", CliPaths.Seed2, "--data", CliPaths.Digits300, "--limit", "300", "--store", SweepStore, "--whole-layers");
        using (var s = ResultStore.OpenExisting(StudyStore))
        {
            var b = s.Get("baseline")!;
            var damaged = s.Get("zero-in|/fc1/MatMul:0,1")!;
            s.AddRecoveryPoint(new RecoveryPoint("pair-0-1", "/fc1/MatMul:0,1", 0, double.NaN, damaged.Accuracy, damaged.ClassAccuracy, damaged.MeanLoss, 0));
            s.AddRecoveryPoint(new RecoveryPoint("pair-0-1", "/fc1/MatMul:0,1", 1, 0.5, b.Accuracy, b.ClassAccuracy, b.MeanLoss, 1));
        }
        var watch = Stopwatch.StartNew();
        ReportOutput = Cli("report", StudyStore, SweepStore, "--out", OutDir, "--model", CliPaths.Mlp);
        ReportSeconds = watch.Elapsed.TotalSeconds;
    }

    public string Directory { get; }

    public string StudyStore { get; }

    public string SweepStore { get; }

    public string OutDir { get; }

    /// <summary>correlate's JSON: the areas under its cumulative curves, which the page must repeat.</summary>
    public string CorrelateJson { get; }

    public string Index => Path.Combine(OutDir, "index.html");

    public string ReportOutput { get; }

    public double ReportSeconds { get; }

    private static string Cli(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        if (code != 0) throw new InvalidOperationException($"onnx-ablate {string.Join(' ', args)} failed ({code}): {stderr}");
        return stdout;
    }
}
