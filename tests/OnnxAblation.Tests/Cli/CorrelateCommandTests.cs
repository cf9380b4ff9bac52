using System.Text.Json;

using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary><c>onnx-ablate correlate</c> end to end on a sweep store of the MNIST MLP.</summary>
public class CorrelateCommandTests(SweptStore store) : IClassFixture<SweptStore>
{
    [Fact]
    public void Reports_the_headline_per_layer_predictiveness_and_metric_orders_against_random_then_resumes()
    {
        string json = Path.Combine(store.Directory, "corr.json"), md = Path.Combine(store.Directory, "corr.md"), csv = Path.Combine(store.Directory, "corr.csv");
        var (code, stdout, stderr) = CliProcess.Run("correlate", store.Path, "--init", CliPaths.MlpInit, "--json", json, "--report", md, "--csv", csv);
        Assert.True(code == 0, stderr);
        Assert.Contains("/fc1/MatMul: Spearman(Mann-Whitney p, accuracy drop) = ", stdout, StringComparison.Ordinal);
        Assert.Contains("/fc2/MatMul: Spearman(Mann-Whitney p, accuracy drop) = ", stdout, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(300, root.GetProperty("samples").GetInt32());
        var headline = root.GetProperty("headline").EnumerateArray().ToList();
        Assert.Equal(["/fc1/MatMul", "/fc2/MatMul"], headline.Select(h => h.GetProperty("layer").GetString()));
        foreach (var h in headline)
        {
            Assert.InRange(h.GetProperty("spearman_r").GetDouble(), -1, 1);
            Assert.InRange(h.GetProperty("spearman_p").GetDouble(), 0, 1);
        }
        Assert.Equal(20, headline[0].GetProperty("n").GetInt32());
        // Units whose weights moved away from their initial values (low p) are the damaging ones in fc1.
        Assert.True(headline[0].GetProperty("spearman_r").GetDouble() < -0.5, "fc1: MW p should correlate negatively with the drop");

        var pred = root.GetProperty("predictiveness").EnumerateArray().ToList();
        Assert.Contains(pred, p => p.GetProperty("metric").GetString() == "act_mean" && p.GetProperty("target").GetString() == "max-class-drop");
        Assert.Equal(30, root.GetProperty("damage").GetArrayLength());

        var curves = root.GetProperty("cumulative").EnumerateArray().ToList();
        Assert.Equal(2, curves.Count);
        foreach (var c in curves)
        {
            var random = c.GetProperty("random");
            Assert.Equal(5, random.GetProperty("auc").GetArrayLength());
            double mean = random.GetProperty("auc_mean").GetDouble();
            Assert.InRange(mean, 0.05, 0.95);
            Assert.InRange(c.GetProperty("impact").GetProperty("auc").GetDouble(), 0.05, 0.95);
            var orders = c.GetProperty("orders").EnumerateArray().ToList();
            var mw = Assert.Single(orders, o => o.GetProperty("metric").GetString() == "mwu_p");
            Assert.Equal(c.GetProperty("units").GetInt32(), mw.GetProperty("order").GetArrayLength());
            Assert.Equal(mw.GetProperty("auc").GetDouble() - mean, mw.GetProperty("delta_vs_random_mean").GetDouble(), 12);
        }

        string report = File.ReadAllText(md);
        Assert.Contains("## Headline: Mann-Whitney p-value vs accuracy drop", report, StringComparison.Ordinal);
        Assert.Contains("| mwu_p | low |", report, StringComparison.Ordinal);
        Assert.Contains("| random (5 seeds) |", report, StringComparison.Ordinal);
        Assert.StartsWith("layer,metric,direction,target,n,pearson_r", File.ReadLines(csv).First(), StringComparison.Ordinal);

        // Everything the curves need is now in the store: a second run evaluates nothing.
        (code, stdout, stderr) = CliProcess.Run("correlate", store.Path, "--init", CliPaths.MlpInit);
        Assert.True(code == 0, stderr);
        Assert.Contains("Cumulative ablations: 0 evaluated now", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_of_another_model_is_refused_with_both_hashes()
    {
        var (code, stdout, stderr) = CliProcess.Run("correlate", store.Path, "--model", CliPaths.Seed2, "--no-curves");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("sha256", stderr, StringComparison.Ordinal);
        Assert.Contains("mnist-mlp-20-10-seed2", stderr, StringComparison.Ordinal);
        Assert.Contains("a different model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_other_than_the_stores_is_refused()
    {
        var (code, _, stderr) = CliProcess.Run("correlate", store.Path, "--data", CliPaths.Digits, "--limit", "200", "--no-curves");
        Assert.Equal(2, code);
        Assert.Contains("results are for 300 samples", stderr, StringComparison.Ordinal);
        Assert.Contains("has 200", stderr, StringComparison.Ordinal);

        // Same count, other samples: the first 300 digits in file order (200 zeros, 100 ones) vs 30 of each class.
        (code, _, stderr) = CliProcess.Run("correlate", store.Path, "--data", CliPaths.Digits, "--limit", "300", "--no-curves");
        Assert.Equal(2, code);
        Assert.Contains("is not the store's data", stderr, StringComparison.Ordinal);
        Assert.Contains("sample 30 has label 0 here and 1 in the store", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Kl_against_the_intact_model_can_be_the_damage()
    {
        string json = Path.Combine(store.Directory, "corr-kl.json");
        var (code, stdout, stderr) = CliProcess.Run("correlate", store.Path, "--init", CliPaths.MlpInit, "--json", json, "--impact", "kl", "--no-curves");
        Assert.True(code == 0, stderr);
        Assert.Contains("/fc1/MatMul: Spearman(Mann-Whitney p, KL(intact ‖ ablated)) = ", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("kl", doc.RootElement.GetProperty("impact").GetString());
        // KL is positive for every ablated unit that changes any output
        Assert.True(doc.RootElement.GetProperty("headline")[0].GetProperty("n").GetInt32() == 20);
    }
}
