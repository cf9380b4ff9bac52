using System.Diagnostics;

namespace OnnxAblation.Tests.Support;

/// <summary>Runs the built onnx-ablate program (built with the solution) as a child process.</summary>
internal static class CliProcess
{
    public static string Dll
    {
        get
        {
            var candidates = new[] { "Release", "Debug" }
                .Select(c => Path.Combine(TestPaths.Root, "src", "OnnxAblation.Cli", "bin", c, "net10.0", "onnx-ablate.dll"))
                .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).ToList();
            return candidates.FirstOrDefault()
                   ?? throw new InvalidOperationException("onnx-ablate.dll not built: build OnnxAblation.sln first (tools/test.sh does)");
        }
    }

    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("SLURM_ARRAY_TASK_ID");
        psi.Environment.Remove("JOB_COMPLETION_INDEX");
        return Process.Start(psi)!;
    }

    /// <summary>Runs to completion; returns (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("onnx-ablate " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
