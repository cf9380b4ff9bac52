using System.Text.Json;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>
/// Ablations of the reference models against an independent PyTorch implementation (tools/ablation_oracle.py:
/// forward hooks zero the unit's activation): same predictions on every sample except recorded near-ties
/// (top-1 and top-2 within 1e-4 in PyTorch), on every exported variant, by both evaluation paths.
/// </summary>
public class PyTorchOracleTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var f in Directory.GetFiles(TestPaths.Oracle, "ablation_*.json").Order())
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            var root = doc.RootElement;
            var models = new List<string> { root.GetProperty("onnx").GetString()! };
            if (root.TryGetProperty("onnx_equivalent", out var eq)) models.AddRange(eq.EnumerateArray().Select(e => e.GetString()!));
            foreach (var m in models.Distinct())
                foreach (var path in new[] { "reference", "fast" })
                    d.Add(Path.GetFileName(f), m, path);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_ablations_match_pytorch(string oracleFile, string modelPath, string evaluatorName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Oracle, oracleFile)));
        var root = doc.RootElement;
        var model = OnnxModel.Load(Path.Combine(TestPaths.Root, modelPath));
        var all = GoldenData(root.GetProperty("data").GetString()!);
        int n = root.GetProperty("n_samples").GetInt32();
        var data = all.Take(n);
        Assert.Equal(root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()), data.Labels);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var ablations = root.GetProperty("ablations").EnumerateArray().ToList();
        var sets = ablations.Select(a => (IReadOnlyList<UnitSet>)[new UnitSet(units.Layers[a.GetProperty("layer_index").GetInt32()].Name,
            a.GetProperty("units").EnumerateArray().Select(u => u.GetInt32()).ToArray())]).ToList();
        var options = new InferenceOptions { Threads = 2, BatchSize = 500 };
        using IAblationEvaluator evaluator = evaluatorName == "fast"
            ? new FastEvaluator(units, data, ModeSpec.ZeroIn, options)
            : new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options);
        var results = new EvaluationResult[sets.Count];
        evaluator.Evaluate([[], .. sets], (i, r) => { if (i > 0) results[i - 1] = r; else CheckPredictions(root.GetProperty("baseline"), r, "baseline"); });
        for (int i = 0; i < sets.Count; i++)
            CheckPredictions(ablations[i], results[i], $"{sets[i][0]}");
        if (evaluator is FastEvaluator fast) Assert.True(fast.FastCount > 0, string.Join("; ", fast.Notes));
    }

    private static void CheckPredictions(JsonElement expected, EvaluationResult actual, string what)
    {
        var ties = expected.TryGetProperty("near_ties", out var t) ? t.EnumerateArray().Select(e => e.GetInt32()).ToHashSet() : [];
        var want = expected.GetProperty("predictions").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var differ = Enumerable.Range(0, want.Length).Where(i => want[i] != actual.Predicted[i] && !ties.Contains(i)).ToList();
        Assert.True(differ.Count == 0, $"{what}: {differ.Count} predictions differ from PyTorch (first at sample {differ.FirstOrDefault()})");
        if (ties.Count == 0) Assert.Equal(expected.GetProperty("accuracy").GetDouble(), actual.Accuracy, 12);
    }

    private static Dataset GoldenData(string description) => Runtime.GoldenOutputTests.DataFor(description);
}
