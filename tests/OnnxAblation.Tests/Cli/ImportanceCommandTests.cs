using System.Text.Json;

using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary><c>onnx-ablate importance</c> end to end through the built program.</summary>
public class ImportanceCommandTests
{
    [Fact]
    public void With_init_and_data_every_hidden_unit_gets_weight_and_activation_metrics()
    {
        string dir = TestPaths.NewTempDirectory();
        string json = Path.Combine(dir, "imp.json"), csv = Path.Combine(dir, "imp.csv");
        var (code, stdout, stderr) = CliProcess.Run("importance", CliPaths.Mlp, "--init", CliPaths.MlpInit, "--data", CliPaths.Digits300,
            "--json", json, "--csv", csv);
        Assert.True(code == 0, stderr);
        Assert.Contains("Mann-Whitney reference: the initial weights", stdout, StringComparison.Ordinal);
        Assert.Contains("/fc1/MatMul (MatMul, 20 units)", stdout, StringComparison.Ordinal);
        Assert.Contains("/fc2/MatMul (MatMul, 10 units)", stdout, StringComparison.Ordinal);
        Assert.Contains("selectivity", stdout, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["/fc1/MatMul", "/fc2/MatMul"], layers.Select(l => l.GetProperty("layer").GetString()));
        Assert.All(layers, l => Assert.Equal("init-model", l.GetProperty("weightReference").GetString()));
        Assert.All(layers, l => Assert.Equal(300, l.GetProperty("samples").GetInt32()));
        var units = doc.RootElement.GetProperty("units").EnumerateArray().ToList();
        Assert.Equal(30, units.Count);
        foreach (var u in units)
        {
            double p = u.GetProperty("mwu_p").GetDouble();
            Assert.InRange(p, 0, 1);
            Assert.InRange(u.GetProperty("apoz").GetDouble(), 0, 1);
            Assert.True(u.GetProperty("act_mean").GetDouble() >= 0, "post-ReLU mean activation is non-negative");
            Assert.Equal(10, u.GetProperty("class_means").GetArrayLength());
        }
        // fc1 changed in training (the paper's observation): most of its units reject "same as init".
        Assert.True(units.Take(20).Count(u => u.GetProperty("mwu_p").GetDouble() < 0.05) >= 10);

        var lines = File.ReadAllLines(csv);
        Assert.Equal(31, lines.Length);
        Assert.StartsWith("layer,unit,in_count,", lines[0], StringComparison.Ordinal);
        Assert.Contains("selectivity", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_init_the_reference_is_pytorch_default_uniform_and_says_so()
    {
        string json = Path.Combine(TestPaths.NewTempDirectory(), "imp.json");
        var (code, stdout, stderr) = CliProcess.Run("importance", CliPaths.Mlp, "--layers", "/fc2/MatMul", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("PyTorch's default initialisation U(-b, b)", stdout, StringComparison.Ordinal);
        Assert.Contains("No --data: activation metrics not computed", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("/fc1/MatMul (", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var layer = Assert.Single(doc.RootElement.GetProperty("layers").EnumerateArray());
        Assert.StartsWith("pytorch-default-uniform(b=0.223607", layer.GetProperty("weightReference").GetString(), StringComparison.Ordinal);
        var units = doc.RootElement.GetProperty("units").EnumerateArray().ToList();
        Assert.Equal(10, units.Count);
        Assert.All(units, u => Assert.False(u.TryGetProperty("act_mean", out _)));
    }

    [Fact]
    public void An_unknown_layer_is_refused_naming_the_layers()
    {
        var (code, _, stderr) = CliProcess.Run("importance", CliPaths.Mlp, "--layers", "fc9");
        Assert.Equal(2, code);
        Assert.Contains("no layer named 'fc9'", stderr, StringComparison.Ordinal);
        Assert.Contains("/fc1/MatMul", stderr, StringComparison.Ordinal);
    }
}
