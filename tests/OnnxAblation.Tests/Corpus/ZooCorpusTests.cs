using System.Globalization;
using System.Text.Json;
using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Corpus;

/// <summary>
/// Real graphs from other exporters against an independent oracle (tools/corpus_oracle_zoo.py, a PyTorch interpreter
/// of the ONNX ops; no ONNX Runtime, no engine): the nine ONNX Model Zoo Caffe2 exports with seeded weights
/// (tools/corpus_zoo.py, built by <c>bash tools/setup.sh zoo</c>) and CNTK's ResNet-18 backbone from the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 (a PackageDownload of this project). The baseline and every ablation
/// (the engine's <see cref="Ablator"/> rewrite of <see cref="Ablation.Units.UnitDiscovery"/>'s units, run by ONNX
/// Runtime) must give the oracle's outputs: argmax equal except at recorded near-ties, each top-5 value and the L2
/// norm within <see cref="Tolerance"/> relative (to the sample's largest output magnitude), CNTK's 512 features
/// within <see cref="Tolerance"/> of the sample's largest feature. Zero-out of units that are added to another
/// layer's output must be refused. A missing or stale corpus fails, naming the command that builds it.
/// </summary>
public class ZooCorpusTests
{
    public const double Tolerance = 1e-3;

    private static readonly InferenceOptions Options = new() { Threads = 2, BatchSize = 8 };

    public static TheoryData<string> Models()
    {
        var d = new TheoryData<string>();
        foreach (var m in ZooCorpusModel.Oracle.GetProperty("models").EnumerateArray()) d.Add(m.GetProperty("name").GetString()!);
        return d;
    }

    /// <summary>Set to 1 to check every oracle case; by default every third zero-in case (which still reaches every layer of the oracle) and every zero-out case run, for the test budget.</summary>
    public const string FullVariable = "ONNX_ABLATION_FULL_CORPUS";

    /// <summary>(model, case index, readable description).</summary>
    public static TheoryData<string, int, string> Cases()
    {
        bool full = Environment.GetEnvironmentVariable(FullVariable) == "1";
        var d = new TheoryData<string, int, string>();
        foreach (var m in ZooCorpusModel.Oracle.GetProperty("models").EnumerateArray())
        {
            int i = 0;
            foreach (var c in m.GetProperty("cases").EnumerateArray())
            {
                if (full || i % 3 == 0 || c.GetProperty("mode").GetString() != "zero-in") d.Add(m.GetProperty("name").GetString()!, i, Describe(c));
                i++;
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Baseline_matches_oracle(string model)
    {
        var corpus = ZooCorpusModel.Get(model);
        var outputs = Evaluate(corpus.Model, corpus);
        Check(corpus, corpus.Entry.GetProperty("baseline"), outputs, $"{model} baseline");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ablation_matches_oracle(string model, int index, string description)
    {
        var corpus = ZooCorpusModel.Get(model);
        var expected = corpus.Entry.GetProperty("cases")[index];
        var units = corpus.Units;
        string layer = expected.GetProperty("layer").GetString()!;
        Assert.True(units.Contains(layer),
            $"{model}: the engine found no layer '{layer}' ({units.Layers.Count} layers; problems: {string.Join("; ", units.Problems.Take(5))})");
        var set = new UnitSet(layer, expected.GetProperty("units").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var mode = ModeSpec.Parse(expected.GetProperty("mode").GetString()!);
        if (expected.GetProperty("expect").GetString() == "refused")
        {
            var e = Record.Exception(() => Ablator.Apply(units, [set], mode));
            Assert.True(e is AblationException,
                $"{model} {description}: zero-out must be refused ({expected.GetProperty("reason").GetString()}), but the engine " +
                (e is null ? "rewrote the model" : $"threw {e.GetType().Name}: {e.Message}"));
            return;
        }
        var ablated = Ablator.Apply(units, [set], mode);
        Check(corpus, expected, Evaluate(ablated, corpus), $"{model} {description}");
    }

    private static float[] Evaluate(OnnxModel model, ZooCorpusModel corpus)
    {
        using var session = ModelSession.Create(model, Options, corpus.Data.SampleShape);
        return Evaluator.Predict(session, corpus.Data);
    }

    private static void Check(ZooCorpusModel corpus, JsonElement expected, float[] outputs, string what)
    {
        int n = corpus.Data.Count;
        Assert.True(outputs.Length % n == 0, $"{what}: {outputs.Length} outputs for {n} samples");
        int size = outputs.Length / n;
        var l2 = expected.GetProperty("l2").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var problems = new List<string>();
        if (corpus.Entry.GetProperty("kind").GetString() == "features")
        {
            var features = expected.GetProperty("features").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            Assert.True(size == features[0].Length, $"{what}: the engine gives {size} outputs per sample, the oracle {features[0].Length}");
            for (int s = 0; s < n; s++)
            {
                double scale = Math.Max(features[s].Max(Math.Abs), 1e-30);
                int worst = Enumerable.Range(0, size).MaxBy(k => Math.Abs(outputs[s * size + k] - features[s][k]));
                double diff = Math.Abs(outputs[s * size + worst] - features[s][worst]);
                if (diff > Tolerance * scale)
                    problems.Add(Invariant($"sample {s}: feature {worst} is {outputs[s * size + worst]:G6}, oracle {features[s][worst]:G6} (largest feature {scale:G4})"));
                CheckNorm(outputs.AsSpan(s * size, size), l2[s], s, problems);
            }
        }
        else
        {
            var predictions = expected.GetProperty("predictions").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var ties = expected.GetProperty("near_ties").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
            var top5 = expected.GetProperty("top5").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
            var values = expected.GetProperty("top5_values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            Assert.True(top5.All(r => r.All(i => i < size)), $"{what}: the engine gives {size} outputs per sample, fewer than the oracle's indices need");
            for (int s = 0; s < n; s++)
            {
                var row = outputs.AsSpan(s * size, size);
                int argmax = 0;
                for (int k = 1; k < size; k++) if (row[k] > row[argmax]) argmax = k;
                if (argmax != predictions[s] && !ties.Contains(s))
                    problems.Add(Invariant($"sample {s}: argmax {argmax} ({row[argmax]:G6}), oracle {predictions[s]} ({values[s][0]:G6})"));
                double scale = Math.Max(Math.Abs(values[s][0]), l2[s] / Math.Sqrt(size));
                for (int k = 0; k < 5; k++)
                {
                    double diff = Math.Abs(row[top5[s][k]] - values[s][k]);
                    if (diff > Tolerance * scale)
                    {
                        problems.Add(Invariant($"sample {s}: output {top5[s][k]} (oracle top-{k + 1}) is {row[top5[s][k]]:G6}, oracle {values[s][k]:G6}"));
                        break;
                    }
                }
                CheckNorm(row, l2[s], s, problems);
            }
        }
        Assert.True(problems.Count == 0, $"{what}: {problems.Count} differences from the oracle (tolerance {Tolerance:G} relative): {string.Join("; ", problems.Take(4))}");
    }

    private static void CheckNorm(ReadOnlySpan<float> row, double expected, int sample, List<string> problems)
    {
        double sum = 0;
        foreach (float v in row) sum += (double)v * v;
        double norm = Math.Sqrt(sum);
        if (Math.Abs(norm - expected) > Tolerance * Math.Max(expected, 1e-30))
            problems.Add(Invariant($"sample {sample}: L2 norm {norm:G6}, oracle {expected:G6}"));
    }

    private static string Describe(JsonElement c) =>
        $"{c.GetProperty("layer").GetString()} [{string.Join(",", c.GetProperty("units").EnumerateArray().Select(u => u.GetInt32()))}] " +
        $"{c.GetProperty("mode").GetString()}{(c.GetProperty("expect").GetString() == "refused" ? " (refused)" : "")}";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
