using System.Text.Json;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary><c>onnx-ablate compare</c> end to end: two seeds of the MNIST MLP, and two different architectures.</summary>
public class CompareCommandTests
{
    [Fact]
    public void Two_seeds_side_by_side_with_both_baselines_and_matched_units_then_resumes()
    {
        string dir = TestPaths.NewTempDirectory();
        string md = Path.Combine(dir, "compare.md"), json = Path.Combine(dir, "compare.json");
        string[] args = ["compare", CliPaths.Mlp, CliPaths.Seed2, "--data", CliPaths.Digits300,
            "--init-a", CliPaths.MlpInit, "--init-b", CliPaths.Seed2Init, "--store-dir", dir, "--report", md, "--json", json];
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"baseline accuracy: A \d+\.\d\d%, B \d+\.\d\d%", stdout);
        Assert.Contains("mean matched correlation", stdout, StringComparison.Ordinal);
        Assert.Contains("greedy", stdout, StringComparison.Ordinal);

        // Each model's study has its own store, named after the model folders (both files are model.onnx).
        Assert.True(File.Exists(Path.Combine(dir, "mnist-mlp-20-10-model.study.db")));
        Assert.True(File.Exists(Path.Combine(dir, "mnist-mlp-20-10-seed2-model.study.db")));

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        foreach (var side in new[] { "a", "b" })
        {
            var m = root.GetProperty(side);
            Assert.InRange(m.GetProperty("baseline_accuracy").GetDouble(), 0.8, 1.0);
            Assert.Equal(10, m.GetProperty("baseline_class_accuracy").GetArrayLength());
            Assert.Equal(33, m.GetProperty("evaluated").GetInt32()); // baseline + 20 + 10 singles + 2 whole layers
            var layers = m.GetProperty("layers").EnumerateArray().ToList();
            Assert.Equal([20, 10], layers.Select(l => l.GetProperty("units").GetInt32()));
            foreach (var l in layers)
            {
                Assert.InRange(l.GetProperty("whole_layer_drop").GetDouble(), 0.5, 1.0);
                Assert.InRange(l.GetProperty("spearman_mwu_p_vs_drop").GetDouble(), -1, 1);
                Assert.Equal(5, l.GetProperty("selective_units").GetArrayLength());
                Assert.True(l.GetProperty("max_drop").GetDouble() >= l.GetProperty("mean_drop").GetDouble());
            }
        }
        Assert.True(root.GetProperty("architectures_match").GetBoolean());
        var matches = root.GetProperty("matches").EnumerateArray().ToList();
        Assert.Equal(2, matches.Count);
        foreach (var (match, units) in matches.Zip(new[] { 20, 10 }))
        {
            Assert.InRange(match.GetProperty("mean_r").GetDouble(), -1, 1);
            Assert.InRange(match.GetProperty("permutation_p").GetDouble(), 0, 1);
            var pairs = match.GetProperty("pairs").EnumerateArray().ToList();
            Assert.Equal(units, pairs.Count);
            Assert.Equal(units, pairs.Select(p => p.GetProperty("a").GetInt32()).Distinct().Count());
            Assert.Equal(units, pairs.Select(p => p.GetProperty("b").GetInt32()).Distinct().Count());
            var rs = pairs.Select(p => p.GetProperty("r")).Where(r => r.ValueKind == JsonValueKind.Number).Select(r => r.GetDouble()).ToList();
            Assert.Equal(rs.OrderByDescending(r => r), rs); // greedy: best pair first
        }

        string report = File.ReadAllText(md);
        Assert.Contains("| overall |", report, StringComparison.Ordinal);
        Assert.Contains("## Matched units", report, StringComparison.Ordinal);
        Assert.Contains("## Metric correlation: Spearman(Mann-Whitney p-value, accuracy drop)", report, StringComparison.Ordinal);

        (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("(0 evaluated now), B", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Different_architectures_are_compared_without_matching_units()
    {
        string dir = TestPaths.NewTempDirectory();
        string other = Path.Combine(dir, "narrow.onnx");
        var rng = new Random(3);
        float[] Weights(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
        var g = new GraphBuilder().Input("input", -1, 784).Output("output", -1, 10);
        string h = g.Node("MatMul", ["input", g.Init("w1", [784, 5], Weights(784 * 5))], name: "fc1");
        string r = g.Node("Relu", [h], name: "relu1");
        g.Node("MatMul", [r, g.Init("w2", [5, 10], Weights(50))], output: "output", name: "fc2");
        g.Build().Save(other);

        string json = Path.Combine(dir, "compare.json");
        var (code, stdout, stderr) = CliProcess.Run("compare", CliPaths.Mlp, other, "--data", CliPaths.Digits300, "--limit", "100", "--store-dir", dir, "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("architectures differ (A has 2 hidden layers, B has 1)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Matched units", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "model.first100.study.db")));
        Assert.True(File.Exists(Path.Combine(dir, "narrow.first100.study.db")));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.False(doc.RootElement.GetProperty("architectures_match").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("matches").ValueKind);
        Assert.Single(doc.RootElement.GetProperty("b").GetProperty("layers").EnumerateArray());
    }
}
