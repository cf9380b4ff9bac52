using System.Text.Json;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Attention;

/// <summary>
/// The reference transformers (models/fmnist-vit: fused Q/K/V, pre-norm; models/fmnist-bert: separate Q/K/V,
/// post-norm) against the PyTorch oracle of tools/transformer_oracle.py (Oracle/transformers.json): every single
/// head, pairs of heads, cumulative head removal, MLP units and whole attention/MLP blocks, zero and mean, on the
/// first 1,000 Fashion-MNIST test images. Both the reference path and the fast path must give the oracle's
/// predictions sample for sample, except where PyTorch's top two logits are within 1e-4 (near ties, listed by the
/// oracle), where either tied class is accepted. Unit means must equal the oracle's (float64) to 1e-5 relative.
/// </summary>
public class TransformerOracleTests(ITestOutputHelper output)
{
    private static readonly InferenceOptions Options = new() { Threads = 2, BatchSize = 250 };

    private static JsonDocument Oracle() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Oracle, "transformers.json")));

    public static TheoryData<string> Models() => ["fmnist-vit", "fmnist-bert"];

    /// <summary>One oracle ablation as the engine states it.</summary>
    private sealed record Case(string Name, ModeSpec Mode, IReadOnlyList<UnitSet> Sets, int[] Predictions, int[] NearTies, double Accuracy);

    [Theory]
    [MemberData(nameof(Models))]
    public void Heads_mlp_units_and_blocks_match_the_pytorch_oracle_on_both_paths(string name)
    {
        using var doc = Oracle();
        var root = doc.RootElement;
        var m = root.GetProperty("models").EnumerateArray().Single(e => e.GetProperty("model").GetString() == name);
        var model = OnnxModel.Load(Path.Combine(TestPaths.Root, m.GetProperty("onnx").GetString()!));
        int n = root.GetProperty("n_samples").GetInt32();
        var data = DataSets.Load(root.GetProperty("data").GetString()!, n);
        Assert.Equal(root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()), data.Labels);
        var units = UnitDiscovery.Discover(model, data.SampleShape);

        // The oracle's layer L, in the engine's names: its heads layer is the one whose output projection is out_proj.
        var graph = m.GetProperty("graph").EnumerateArray().ToArray();
        string Node(int l, string part) => graph[l].GetProperty(part).GetProperty("matmul").GetString()!;
        var heads = graph.Select((_, l) => units.HeadLayers.Single(h => h.Attention!.OutputLayer == Node(l, "out_proj"))).ToArray();
        var fc1 = graph.Select((_, l) => units[Node(l, "fc1")]).ToArray();
        Assert.Equal(m.GetProperty("heads_per_layer").GetInt32(), heads[0].UnitCount);
        Assert.Equal(m.GetProperty("mlp_units").GetInt32(), fc1[0].UnitCount);

        // Means: every context channel of every attention, every MLP pre-activation, over all images and tokens.
        var means = UnitMeans.Compute(units, [.. heads, .. fc1], data, Options);
        var oracleMeans = m.GetProperty("means");
        double worst = 0;
        for (int l = 0; l < graph.Length; l++)
        {
            worst = Math.Max(worst, RelativeDiff(Doubles(oracleMeans.GetProperty("context")[l]), means[heads[l].Name]));
            worst = Math.Max(worst, RelativeDiff(Doubles(oracleMeans.GetProperty("mlp_pre")[l]), means[fc1[l].Name]));
        }
        output.WriteLine($"{name}: max relative difference of unit means {worst:g3}");
        Assert.True(worst < 1e-5, $"{name}: unit means differ from the oracle by {worst:g3} (relative)");

        var cases = m.GetProperty("ablations").EnumerateArray().Select(a => ToCase(a, heads, fc1, graph.Length, Node, units)).ToList();
        var baseline = m.GetProperty("baseline");
        var intact = Evaluator.Evaluate(model, data, Options);
        AssertPredictions("intact", Ints(baseline.GetProperty("predictions")), Ints(baseline.GetProperty("near_ties")), intact.Predicted, data.Labels, n);

        int fastCount = 0;
        foreach (var group in cases.GroupBy(c => c.Mode.ToString()))
        {
            var list = group.ToList();
            var ablations = list.Select(c => c.Sets).ToList();
            var reference = new EvaluationResult[list.Count];
            var fast = new EvaluationResult[list.Count];
            var spec = list[0].Mode;
            var held = spec.Mode.NeedsUnitMeans ? means : null;
            using (var r = new ReferenceEvaluator(units, data, spec, Options, held)) r.Evaluate(ablations, (i, x) => reference[i] = x);
            using (var f = new FastEvaluator(units, data, spec, Options, held))
            {
                f.Evaluate(ablations, (i, x) => fast[i] = x);
                fastCount += f.FastCount;
                // the fast path takes every single-layer ablation its mask expresses; the rest go to the reference
                // path with the reason noted (never silently)
                // (or that the cut cannot serve: the reason names the layer)
                bool Noted(string layer) => f.Notes.Any(x => x.StartsWith(layer + ": reference path (", StringComparison.Ordinal));
                int expected = list.Count(c => c.Sets.Count == 1 && spec.Mode.FastMaskableOn(units[c.Sets[0].Layer]) && !Noted(c.Sets[0].Layer));
                Assert.True(f.FastCount == expected, $"{name} {group.Key}: {f.FastCount} of {list.Count} ablations on the fast path, expected {expected}; {string.Join("; ", f.Notes)}");
                Assert.True(expected == list.Count || f.Notes.Count > 0, $"{name} {group.Key}: reference-path ablations without a reason");
                output.WriteLine($"{name} {group.Key}: {f.FastCount} of {list.Count} fast; {string.Join("; ", f.Notes)}");
            }
            for (int i = 0; i < list.Count; i++)
            {
                var c = list[i];
                AssertPredictions($"{c.Name} (reference path)", c.Predictions, c.NearTies, reference[i].Predicted, data.Labels, n);
                AssertPredictions($"{c.Name} (fast path)", c.Predictions, c.NearTies, fast[i].Predicted, data.Labels, n);
                Assert.True(Math.Abs(c.Accuracy - reference[i].Accuracy) <= c.NearTies.Length / (double)n + 1e-12,
                    $"{name} {c.Name}: accuracy {reference[i].Accuracy:P2}, oracle {c.Accuracy:P2}");
            }
        }
        output.WriteLine($"{name}: {cases.Count} ablations equal the oracle on the reference path and on the fast path ({fastCount} fast), " +
            $"{cases.Sum(c => c.NearTies.Length)} near-tie positions");
    }

    private static Case ToCase(JsonElement a, Layer[] heads, Layer[] fc1, int layers, Func<int, string, string> node, ModelUnits units)
    {
        string target = a.GetProperty("target").GetString()!;
        bool mean = a.GetProperty("mode").GetString() switch
        {
            "zero" => false,
            "mean" => true,
            var other => throw new InvalidOperationException($"oracle mode '{other}' is not known to this test"),
        };
        var pairs = a.GetProperty("units").EnumerateArray().Select(u => u.ValueKind == JsonValueKind.Number // blocks: [L, ...]; units and heads: [[L, u], ...]
            ? (L: u.GetInt32(), U: -1) : (L: u[0].GetInt32(), U: u[1].GetInt32())).ToList();
        Assert.All(pairs, p => Assert.InRange(p.L, 0, layers - 1));
        IReadOnlyList<UnitSet> Sets(Func<int, Layer> layerOf) =>
            pairs.GroupBy(p => p.L).OrderBy(g => g.Key).Select(g => new UnitSet(layerOf(g.Key).Name, g.Select(p => p.U).Order().ToArray())).ToList();
        IReadOnlyList<UnitSet> Whole(string part) =>
            pairs.Select(p => units[node(p.L, part)]).Select(l => new UnitSet(l.Name, Enumerable.Range(0, l.UnitCount).ToArray())).ToList();
        // zero on a head: its context slice is 0, i.e. zero-out (the output projection's inputs); zero on an MLP unit or
        // a block: the unit's pre-activation is 0 (zero-in: incoming weights and bias); mean: the engine's mean mode.
        var (mode, sets) = target switch
        {
            "heads" => (mean ? ModeSpec.Parse("mean") : ModeSpec.Parse("zero-out"), Sets(l => heads[l])),
            "mlp_units" => (mean ? ModeSpec.Parse("mean") : ModeSpec.ZeroIn, Sets(l => fc1[l])),
            "attn_block" when !mean => (ModeSpec.ZeroIn, Whole("out_proj")),
            "mlp_block" when !mean => (ModeSpec.ZeroIn, Whole("fc2")),
            _ => throw new InvalidOperationException($"oracle target '{target}' with mode mean={mean} is not known to this test"),
        };
        return new Case(a.GetProperty("name").GetString()!, mode, sets, Ints(a.GetProperty("predictions")), Ints(a.GetProperty("near_ties")),
            a.GetProperty("accuracy").GetDouble());
    }

    private static void AssertPredictions(string what, int[] oracle, int[] nearTies, int[] engine, IReadOnlyList<int> labels, int n)
    {
        Assert.Equal(n, engine.Length);
        var ties = nearTies.ToHashSet();
        var differ = Enumerable.Range(0, n).Where(i => oracle[i] != engine[i] && !ties.Contains(i)).ToList();
        Assert.True(differ.Count == 0,
            $"{what}: {differ.Count} predictions differ from PyTorch away from near ties, first at sample {(differ.Count > 0 ? differ[0] : -1)} " +
            $"(label {(differ.Count > 0 ? labels[differ[0]] : -1)}, oracle {(differ.Count > 0 ? oracle[differ[0]] : -1)}, engine {(differ.Count > 0 ? engine[differ[0]] : -1)})");
    }

    private static double RelativeDiff(double[] oracle, double[] engine)
    {
        Assert.Equal(oracle.Length, engine.Length);
        double scale = Math.Max(oracle.Max(Math.Abs), 1e-12);
        return oracle.Zip(engine).Max(p => Math.Abs(p.First - p.Second)) / scale;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
