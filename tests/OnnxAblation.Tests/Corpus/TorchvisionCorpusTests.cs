using System.Text.Json;
using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Corpus;

/// <summary>
/// Real torchvision graphs (resnet18, mobilenet_v2, shufflenet_v2_x0_5, squeezenet1_1, efficientnet_b0, densenet121,
/// a small ViT; as initialised and with distinct weights; with BatchNormalization kept and folded) against an
/// independent PyTorch oracle whose forward hooks zero the unit's activation (zero-in) or its input to every
/// consumer (zero-out) on the torch module. The corpus is built by <c>bash tools/setup.sh corpus</c>; these tests
/// fail (never skip) when it is missing or differs from what the oracle saw.
/// </summary>
public class TorchvisionCorpusTests
{
    private static readonly InferenceOptions Options = new() { Threads = 2, BatchSize = 256 };

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (string file in Files())
            foreach (var path in new[] { "reference", "fast" })
                d.Add(file, path);
        return d;
    }

    public static TheoryData<string> ModelFiles()
    {
        var d = new TheoryData<string>();
        foreach (string file in Files()) d.Add(file);
        return d;
    }

    public static TheoryData<string> Entries()
    {
        var d = new TheoryData<string>();
        using var doc = TorchvisionCorpus.LoadOracle();
        foreach (var entry in TorchvisionCorpus.Entries(doc.RootElement)) d.Add(TorchvisionCorpus.EntryName(entry));
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_ablations_match_pytorch(string file, string evaluatorName)
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var root = doc.RootElement;
        var (entry, record) = TorchvisionCorpus.Find(root, file);
        string export = record.GetProperty("export").GetString()!;
        var model = OnnxModel.Load(TorchvisionCorpus.RequireFile(record));
        var data = TorchvisionCorpus.LoadData(root);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var cases = entry.GetProperty("cases").EnumerateArray().ToList();
        var failures = new List<string>();
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (string layer in cases.Select(c => LayerName(c, export)).Distinct())
        {
            if (units.Contains(layer)) continue;
            missing.Add(layer);
            string why = units.Problems.FirstOrDefault(p => p.Contains($"'{layer}'", StringComparison.Ordinal))
                ?? "no such weight node; layers: " + string.Join(", ", units.Layers.Select(l => l.Name));
            failures.Add($"layer {layer} cannot be ablated: {why}");
        }

        CheckPredictions(entry.GetProperty("baseline"), Baseline(model, data), data.Labels, "baseline", failures);
        int fastCount = 0, zeroIn = 0;
        var notes = new List<string>();
        var runnable = cases.Select((c, i) => (Case: c, Index: i)).Where(c => !missing.Contains(LayerName(c.Case, export)));
        foreach (var group in runnable.GroupBy(c => c.Case.GetProperty("mode").GetString()!))
        {
            var mode = ModeSpec.Parse(group.Key);
            var items = group.ToList();
            var sets = items.Select(c => (IReadOnlyList<UnitSet>)[new UnitSet(LayerName(c.Case, export), TorchvisionCorpus.Ints(c.Case.GetProperty("units")))]).ToList();
            var results = new EvaluationResult?[sets.Count];
            var refused = new string?[sets.Count];
            using (IAblationEvaluator evaluator = NewEvaluator(evaluatorName, units, data, mode))
            {
                try
                {
                    evaluator.Evaluate(sets, (i, r) => results[i] = r);
                }
                catch (AblationException)
                {
                    // One refused case must not hide the others: evaluate them one by one.
                    for (int i = 0; i < sets.Count; i++)
                    {
                        try { evaluator.Evaluate([sets[i]], (_, r) => results[i] = r); }
                        catch (AblationException e) { refused[i] = e.Message; }
                    }
                }
                if (evaluator is FastEvaluator fast)
                {
                    fastCount += fast.FastCount;
                    notes.AddRange(fast.Notes);
                }
            }
            for (int i = 0; i < items.Count; i++)
            {
                string what = $"case {items[i].Index} {group.Key} {sets[i][0]}";
                if (results[i] is { } r) CheckPredictions(items[i].Case, r, data.Labels, what, failures);
                else failures.Add($"{what}: refused: {refused[i] ?? "no result"}");
            }
            if (mode.Mode == AblationMode.ZeroIn) zeroIn += items.Count;
        }
        Assert.True(failures.Count == 0, $"{file} ({evaluatorName}): {failures.Count} problems in {cases.Count} cases + baseline: {string.Join("; ", failures)}");
        if (evaluatorName == "fast" && zeroIn > 0)
            Assert.True(fastCount > 0, $"{file}: no zero-in ablation took the fast path: {string.Join("; ", notes)}");
    }

    /// <summary>
    /// Discovery accounts for every weight-bearing node (a Conv/ConvTranspose/Gemm/MatMul with a constant operand):
    /// an ablatable layer, or not with a specific reason — never "shared" or "not an initializer".
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Every_weight_bearing_node_is_a_layer_or_has_a_specific_reason(string file)
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var root = doc.RootElement;
        var (_, record) = TorchvisionCorpus.Find(root, file);
        var model = OnnxModel.Load(TorchvisionCorpus.RequireFile(record));
        var units = UnitDiscovery.Discover(model, TorchvisionCorpus.LoadData(root).SampleShape);
        var g = units.Model.Index();
        var weightBearing = units.Model.Graph.Node
            .Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" && n.Input.Take(2).Any(g.IsConstant))
            .Select(GraphIndex.DisplayName).ToHashSet(StringComparer.Ordinal);
        var accounted = units.Layers.Select(l => GraphIndex.DisplayName(units.Model.Graph.Node[l.NodeIndex])).Concat(units.Unmapped.Select(u => u.Node)).ToList();
        Assert.Equal(weightBearing.Order(StringComparer.Ordinal), accounted.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(units.Unmapped, u => u.Reason.Contains("shared", StringComparison.Ordinal) || u.Reason.Contains("not an initializer", StringComparison.Ordinal));
        Assert.DoesNotContain(units.Layers, l => l.OutgoingProblem is { } p && (p.Contains("shared", StringComparison.Ordinal) || p.Contains("unknown", StringComparison.Ordinal)));
    }

    /// <summary>ONNX Runtime on the unablated file gives PyTorch's predictions: the corpus and the oracle agree.</summary>
    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Onnx_runtime_baseline_matches_pytorch(string file)
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var root = doc.RootElement;
        var (entry, record) = TorchvisionCorpus.Find(root, file);
        var model = OnnxModel.Load(TorchvisionCorpus.RequireFile(record));
        var data = TorchvisionCorpus.LoadData(root);
        var failures = new List<string>();
        CheckPredictions(entry.GetProperty("baseline"), Baseline(model, data), data.Labels, "baseline", failures);
        Assert.True(failures.Count == 0, $"{file}: {string.Join("; ", failures)}");
    }

    /// <summary>The export that keeps BatchNormalization and the one that folds it give the same predictions.</summary>
    [Theory]
    [MemberData(nameof(Entries))]
    public void Bn_and_default_exports_predict_the_same(string entryName)
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var root = doc.RootElement;
        var entry = TorchvisionCorpus.Entries(root).Single(e => TorchvisionCorpus.EntryName(e) == entryName);
        var data = TorchvisionCorpus.LoadData(root);
        var files = entry.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("export").GetString()!);
        var bn = Baseline(OnnxModel.Load(TorchvisionCorpus.RequireFile(files["bn"])), data).Predicted;
        var folded = Baseline(OnnxModel.Load(TorchvisionCorpus.RequireFile(files["default"])), data).Predicted;
        var ties = TorchvisionCorpus.Ints(entry.GetProperty("baseline").GetProperty("near_ties")).ToHashSet();
        var differ = Enumerable.Range(0, bn.Length).Where(i => bn[i] != folded[i] && !ties.Contains(i)).ToList();
        Assert.True(differ.Count == 0, $"{entryName}: bn and default exports predict differently on {differ.Count} samples (first: sample {differ.FirstOrDefault()})");
        Assert.Equal(data.Count, bn.Length);
    }

    private static IEnumerable<string> Files()
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        return TorchvisionCorpus.Entries(doc.RootElement)
            .SelectMany(e => e.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file").GetString()!))
            .ToList();
    }

    private static string LayerName(JsonElement c, string export) =>
        c.TryGetProperty("layer_by_export", out var names) ? names.GetProperty(export).GetString()! : c.GetProperty("layer").GetString()!;

    private static IAblationEvaluator NewEvaluator(string name, ModelUnits units, Dataset data, ModeSpec mode) => name == "fast"
        ? new FastEvaluator(units, data, mode, Options)
        : new ReferenceEvaluator(units, data, mode, Options);

    private static EvaluationResult Baseline(OnnxModel model, Dataset data) => Evaluator.Evaluate(model, data, Options);

    /// <summary>Per-sample predictions equal except PyTorch's near ties, and per-class correct counts within one sample.</summary>
    private static void CheckPredictions(JsonElement expected, EvaluationResult actual, int[] labels, string what, List<string> failures)
    {
        var ties = TorchvisionCorpus.Ints(expected.GetProperty("near_ties")).ToHashSet();
        var want = TorchvisionCorpus.Ints(expected.GetProperty("predictions"));
        if (actual.Predicted.Length != want.Length)
        {
            failures.Add($"{what}: {actual.Predicted.Length} predictions, PyTorch has {want.Length}");
            return;
        }
        var differ = Enumerable.Range(0, want.Length).Where(i => want[i] != actual.Predicted[i] && !ties.Contains(i)).ToList();
        if (differ.Count > 0)
            failures.Add($"{what}: {differ.Count} predictions differ from PyTorch (first at sample {differ[0]}: {actual.Predicted[differ[0]]} vs {want[differ[0]]})");
        var correct = TorchvisionCorpus.Ints(expected.GetProperty("class_correct"));
        for (int c = 0; c < correct.Length; c++)
        {
            int ours = Enumerable.Range(0, labels.Length).Count(i => labels[i] == c && actual.Predicted[i] == c);
            if (Math.Abs(ours - correct[c]) > 1)
                failures.Add($"{what}: class {c} has {ours} correct, PyTorch {correct[c]}");
        }
    }
}
