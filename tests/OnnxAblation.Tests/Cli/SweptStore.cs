using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// A single-unit sweep store of the MNIST MLP on 300 test digits (30 per class), made once for the correlate tests; the
/// explicit --limit is stored as its data limit (300), which correlate must read back.
/// </summary>
public sealed class SweptStore
{
    public SweptStore()
    {
        Directory = TestPaths.NewTempDirectory();
        Path = System.IO.Path.Combine(Directory, "sweep.db");
        var (code, _, stderr) = CliProcess.Run("sweep", CliPaths.Mlp, "--data", CliPaths.Digits300, "--limit", "300", "--store", Path);
        if (code != 0) throw new InvalidOperationException("sweep failed: " + stderr);
    }

    public string Directory { get; }

    public string Path { get; }
}
