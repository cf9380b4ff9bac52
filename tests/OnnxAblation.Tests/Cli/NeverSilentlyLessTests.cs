using System.Text.Json;
using OnnxAblation.Data;
using OnnxAblation.Tests.Data;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// No command exits 0 having done less than asked: layers a mode cannot ablate are skipped with their reason (and the
/// rest runs and is stored), a study with nothing to ablate fails, data missing a class is fine, and a model whose
/// output is not class scores is refused for accuracy studies.
/// </summary>
public class NeverSilentlyLessTests
{
    private static string ResNet => TestPaths.Model("fmnist-resnet-tiny/model-bn.onnx");

    private const string Fashion = "idx:/usr/share/datasets/fashion-mnist/t10k";

    [Fact]
    public void Zero_out_sweep_skips_a_residual_layer_with_its_reason_runs_the_rest_and_exits_1()
    {
        using var dir = new TempDir();
        string store = dir.File("s.db"), json = dir.File("s.json"), csv = dir.File("s.csv");
        var (code, _, err) = CliProcess.Run("sweep", ResNet, "--data", Fashion, "--limit", "60", "--mode", "zero-out",
            "--layers", "/res_conv1/Conv,/res_conv2/Conv", "--store", store, "--json", json, "--csv", csv);
        Assert.Equal(1, code);
        Assert.Contains("skipped: layer '/res_conv2/Conv'", err, StringComparison.Ordinal);
        Assert.Contains("residual Add", err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var ablations = doc.RootElement.GetProperty("ablations").EnumerateArray().ToList();
        Assert.Equal(8, ablations.Count);
        Assert.All(ablations, a => Assert.Equal("/res_conv1/Conv", a.GetProperty("layer").GetString()));
        var skipped = Assert.Single(doc.RootElement.GetProperty("skipped").EnumerateArray());
        Assert.Equal("/res_conv2/Conv", skipped.GetProperty("layer").GetString());
        Assert.Contains(File.ReadAllLines(csv), l => l.StartsWith("skipped:/res_conv2/Conv,", StringComparison.Ordinal));
    }

    [Fact]
    public void The_path_of_every_layer_is_told_and_require_fast_refuses_the_reference_path_keeping_what_was_stored()
    {
        using var dir = new TempDir();
        string vit = TestPaths.Model("fmnist-vit/model.onnx");
        // zero-out of heads is a mask of their value units (fast); zero-out of an MLP layer rewrites its outgoing weights,
        // which no mask of its unit tensor expresses (reference path)
        const string heads = "/vit/encoder/layers/encoder_layer_0/self_attention/heads", mlp = "/vit/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul";
        string store = dir.File("p.db"), json = dir.File("p.json");
        var (code, report, err) = CliProcess.Run("sweep", vit, "--data", Fashion, "--limit", "40", "--mode", "zero-out", "--layers", $"{heads},{mlp}", "--store", store, "--json", json);
        Assert.Equal(0, code);
        Assert.Contains($"reference path: layer '{mlp}': mode zero-out is not a mask", err, StringComparison.Ordinal);
        Assert.Contains("## Evaluation paths", report, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var paths = doc.RootElement.GetProperty("paths").EnumerateArray().ToDictionary(e => e.GetProperty("layer").GetString()!, e => e.GetProperty("path").GetString());
            Assert.Equal("fast", paths[heads]);
            Assert.Equal("reference", paths[mlp]);
        }

        // --require-fast: the fast layer's results are stored, then the command fails naming the layer and the reason
        string strict = dir.File("strict.db"), strictJson = dir.File("strict.json");
        (code, _, err) = CliProcess.Run("sweep", vit, "--data", Fashion, "--limit", "40", "--mode", "zero-out", "--layers", $"{heads},{mlp}", "--store", strict, "--require-fast");
        Assert.Equal(2, code);
        Assert.Contains(mlp, err, StringComparison.Ordinal);
        Assert.Contains("--require-fast", err, StringComparison.Ordinal);
        Assert.Equal(0, CliProcess.Run("export", strict, "--json", strictJson).Code);
        using var strictDoc = JsonDocument.Parse(File.ReadAllText(strictJson));
        var stored = strictDoc.RootElement.GetProperty("ablations").EnumerateArray().Select(a => a.GetProperty("layer").GetString()).ToList();
        Assert.Equal(4, stored.Count(l => l == heads)); // every unit of the fast layer
        Assert.DoesNotContain(mlp, stored);
    }

    [Fact]
    public void A_sweep_with_nothing_to_ablate_fails()
    {
        var (code, _, err) = CliProcess.Run("sweep", ResNet, "--data", Fashion, "--limit", "20", "--mode", "zero-out",
            "--layers", "/res_conv2/Conv,/stem_conv/Conv", "--store", Path.Combine(TestPaths.NewTempDirectory(), "s.db"));
        Assert.Equal(2, code);
        Assert.Contains("nothing was ablated", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_json_accounts_for_every_weight_bearing_node()
    {
        using var dir = new TempDir();
        string json = dir.File("i.json");
        var (code, _, err) = CliProcess.Run("inspect", ResNet, "--json", json);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        int weightBearing = root.GetProperty("ops").EnumerateObject().Where(p => p.Name is "Conv" or "Gemm" or "MatMul" or "ConvTranspose").Sum(p => p.Value.GetInt32());
        int accounted = root.GetProperty("layers").GetArrayLength() + root.GetProperty("not_ablatable").GetArrayLength();
        Assert.Equal(weightBearing, accounted);
        var stem = root.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "/stem_conv/Conv");
        Assert.False(stem.GetProperty("zero_out").GetBoolean());
        Assert.Contains("residual", stem.GetProperty("zero_out_reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("stem_bn.weight", stem.GetProperty("coupled").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void A_test_set_without_some_classes_is_scored_with_the_models_class_count()
    {
        using var dir = new TempDir();
        var all = DataSets.Load(Fashion, 200);
        var keep = Enumerable.Range(0, all.Count).Where(i => all.Labels[i] != 9).ToArray(); // no ankle boots: labels 0..8
        string x = dir.File("x.npy"), y = dir.File("y.npy"), json = dir.File("e.json");
        NpyWriter.Write(x, "<f4", [keep.Length, 1, 28, 28], NpyWriter.Bytes(keep.SelectMany(i => all.Sample(i).ToArray()).ToArray()));
        NpyWriter.Write(y, "<i8", [keep.Length], NpyWriter.Bytes(keep.Select(i => (long)all.Labels[i]).ToArray()));
        var (code, stdout, err) = CliProcess.Run("eval", TestPaths.Model("fmnist-vgg/model-folded.onnx"), "--data", $"npy:{x},{y}", "--json", json);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var classAccuracy = doc.RootElement.GetProperty("class_accuracy").EnumerateArray().ToList();
        Assert.Equal(10, classAccuracy.Count);
        Assert.Equal(JsonValueKind.Null, classAccuracy[9].ValueKind);
        Assert.Contains("n/a", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_whose_output_is_features_is_refused_for_accuracy_with_the_reason() // its drift study: LabelFreeStudyTests
    {
        // conv → residual Add → Relu → GlobalAveragePool → Flatten: 4 pooled features, as a backbone ends
        var b = new GraphBuilder().Input("x", -1, 1, 28, 28).Output("y", -1, 4);
        string c = b.Node("Conv", ["x", b.Init("w", [4, 1, 3, 3], new float[36]), b.Init("bias", [4], 0.1f, 0.2f, 0.3f, 0.4f)], name: "conv", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        string sum = b.Node("Add", [c, "x"], name: "residual");
        b.Node("Flatten", [b.Node("GlobalAveragePool", [b.Node("Relu", [sum])], name: "pool")], output: "y");
        using var dir = new TempDir();
        string path = dir.File("backbone.onnx");
        b.Build().Save(path);
        var (code, _, err) = CliProcess.Run("eval", path, "--data", Fashion, "--limit", "20");
        Assert.Equal(2, code);
        Assert.Contains("GlobalAveragePool 'pool'", err, StringComparison.Ordinal);
        Assert.Contains("not class scores", err.Replace("rather than class scores", "not class scores", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
