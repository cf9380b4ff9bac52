using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Corpus;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Effects;

/// <summary>
/// A real, externally trained model: the CNTK ResNet-18 backbone of the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 (IR 3, opset 8, BatchNorm with `spatial`, weights in float_data, output
/// 512 pooled features, fixed batch 1). Its output is features, so its ablations are measured by drift; the engine's
/// drift and cosine equal ONNX Runtime on a copy of the model whose unit activation the test masks by hand.
/// </summary>
public class CntkBackboneDriftTests
{
    [Theory]
    [InlineData("reference")]
    [InlineData("fast")]
    public void Feature_drift_of_an_early_and_a_late_layer_equals_a_hand_masked_model(string path)
    {
        var corpus = ZooCorpusModel.Get("cntk_resnet18");
        var data = corpus.Data;
        var units = corpus.Units;
        Assert.Equal(OutputKind.Features, OutputKinds.Of(units.Model));
        Assert.Contains(units.Notes, n => n.Contains("fixes its batch size to 1", StringComparison.Ordinal));
        var early = units.Layers[1];
        var late = units.Layers.Last(l => !l.IsOutputLayer && l.UnitCount >= 256);
        IReadOnlyList<UnitSet>[] sets =
        [
            [new UnitSet(early.Name, [3])], [new UnitSet(early.Name, [10, 40])], [new UnitSet(late.Name, [7])], [new UnitSet(late.Name, [100, 200])],
        ];
        var options = new InferenceOptions { Threads = 2, BatchSize = 8 };
        using IAblationEvaluator evaluator = path == "fast"
            ? new FastEvaluator(units, data, ModeSpec.ZeroIn, options)
            : new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options);
        var results = new EvaluationResult[sets.Length];
        evaluator.Evaluate(sets, (i, r) => results[i] = r);
        float[] x = data.Features;
        var intact = Run.Outputs(corpus.Model, x, data.SampleShape);
        for (int i = 0; i < sets.Length; i++)
        {
            var layer = units[sets[i][0].Layer];
            var masked = ActivationMask.Zeroed(units.Model, layer.UnitTensor, layer.UnitCount, sets[i][0].Units, 3);
            var y2 = Run.Outputs(masked, x, data.SampleShape);
            var (drift, cosine) = DriftAndCosine(intact, y2, 512);
            var e = results[i].Effect!;
            Assert.True(drift > 0, $"{sets[i][0]}: the ablation changes nothing");
            // Drift is relative to the features' norm. The fast path computes the ablated features with the cut graph
            // (prefix + suffix: other kernel fusions than the whole model), whose float32 rounding differs by about 1e-7
            // of that norm: it shows only on effects this small (a single late unit moves the features by ~1e-5).
            double tolerance = 1e-5 * drift + (path == "fast" ? 5e-7 : 0);
            Assert.True(Math.Abs(e.Drift - drift) <= tolerance, $"{sets[i][0]} ({path}): drift {e.Drift:R}, hand-masked model {drift:R}");
            Assert.True(Math.Abs(e.Cosine - cosine) <= 1e-5, $"{sets[i][0]} ({path}): cosine {e.Cosine:R}, hand-masked model {cosine:R}");
            Assert.True(double.IsNaN(results[i].Accuracy) && double.IsNaN(e.Agreement));
        }
    }

    private static (double Drift, double Cosine) DriftAndCosine(float[] y, float[] y2, int width)
    {
        int n = y.Length / width;
        double drift = 0, cosine = 0;
        for (int s = 0; s < n; s++)
        {
            double dd = 0, yy = 0, zz = 0, yz = 0;
            for (int j = s * width; j < (s + 1) * width; j++)
            {
                dd += (y2[j] - (double)y[j]) * (y2[j] - (double)y[j]);
                yy += (double)y[j] * y[j];
                zz += (double)y2[j] * y2[j];
                yz += (double)y[j] * y2[j];
            }
            drift += Math.Sqrt(dd / yy);
            cosine += yz / Math.Sqrt(yy * zz);
        }
        return (drift / n, cosine / n);
    }

    [Fact]
    public void Inspect_describes_the_backbone_and_a_drift_sweep_runs_on_it()
    {
        var corpus = ZooCorpusModel.Get("cntk_resnet18");
        string model = corpus.Model.Source;
        var (code, stdout, err) = CliProcess.Run("inspect", model);
        Assert.True(code == 0, err);
        Assert.Contains("ablatable layers", stdout, StringComparison.Ordinal);
        Assert.Contains("fixes its batch size to 1", stdout, StringComparison.Ordinal);
        Assert.Contains("0 weight-bearing nodes not ablatable", stdout, StringComparison.Ordinal);
        using var dir = new Data.TempDir();
        string inputs = Path.Combine(TestPaths.Root, ZooCorpusModel.Oracle.GetProperty("inputs").GetString()!);
        string early = corpus.Units.Layers[1].Name, late = corpus.Units.Layers[^2].Name;
        (code, _, err) = CliProcess.Run("sweep", model, "--data", $"npy:{inputs}?limit=4", "--layers", "none",
            "--group", $"{early}:3", "--group", $"{early}:10,40", "--group", $"{late}:7", "--store", dir.File("s.db"), "--json", dir.File("s.json"));
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("s.json")));
        var ablations = doc.RootElement.GetProperty("ablations").EnumerateArray().ToList();
        Assert.Equal(3, ablations.Count);
        Assert.All(ablations, a => Assert.True(a.GetProperty("drift").GetDouble() > 0));
    }
}
