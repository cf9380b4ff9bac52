namespace OnnxAblation.Tests.Support;

/// <summary>
/// Runs onnx-ablate as a child of a small Python wrapper that reports the child's peak resident memory (ru_maxrss of
/// the waited child, the kernel's own count: nothing else in the test process is included).
/// </summary>
internal static class PeakRss
{
    private const string Wrapper =
        "import resource, subprocess, sys\n" +
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)\n" +
        "sys.stdout.write(r.stdout)\n" +
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n" +
        "sys.exit(r.returncode)\n";

    /// <summary>(exit code, output, peak resident bytes) of <c>onnx-ablate ARGS</c>.</summary>
    public static (int Code, string Output, long PeakBytes) Run(params string[] args)
    {
        var (code, output, _) = Shell.Run(Path.GetTempPath(), null, TimeSpan.FromMinutes(10), "/usr/bin/python3", ["-c", Wrapper, "dotnet", CliProcess.Dll, .. args]);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("PEAK_KB ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException("no peak reported: " + output);
        return (code, output, long.Parse(line["PEAK_KB ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024);
    }
}
