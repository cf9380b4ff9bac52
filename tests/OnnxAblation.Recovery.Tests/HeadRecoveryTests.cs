using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Recovery.Tests;

/// <summary>
/// Recovery training of the reference BERT-style encoder (models/fmnist-bert) with attention heads held ablated:
/// the heads' weights stay exactly zero, the written-back model keeps them silenced (a fresh ablation of the recovered
/// model changes nothing), and accuracy comes back.
/// </summary>
public class HeadRecoveryTests(ITestOutputHelper output)
{
    private static readonly InferenceOptions Ort = new() { Threads = 2 };

    [Theory]
    [InlineData("zero-out")]
    [InlineData("zero-in")]
    public void Heads_held_ablated_stay_silent_while_the_encoder_recovers(string mode)
    {
        var fashion = FashionMnist.Test;
        Assert.True(fashion is not null, "Fashion-MNIST is missing: run `bash tools/setup.sh data` (Debian's dataset-fashion-mnist)");
        var test = fashion.Take(1000);
        var train = FashionMnist.Train!.Take(3000);
        var units = UnitDiscovery.Discover(OnnxModel.Load(TestPaths.Model("fmnist-bert/model.onnx")), test.SampleShape);
        var heads = units.HeadLayers[0];
        var spec = ModeSpec.Parse(mode);
        UnitSet damage = new(heads.Name, [0, 1, 2]);
        var options = new RecoveryOptions { Epochs = 1, Optimizer = RecoveryOptimizer.Adam, LearningRate = 0.001, Seed = 1, Threads = 2, Mode = spec, Inference = Ort };
        var result = RecoveryTrainer.Recover(units, [damage], train, test, options);
        double intact = Evaluator.Evaluate(units.Model, test, Ort).Accuracy;
        output.WriteLine($"{mode}: intact {intact:P2}, damaged {result.Before.TestAccuracy:P2}, after one epoch {result.After.TestAccuracy:P2}; {result.HeldValues} values held at 0");

        Assert.True(result.HeldValues > 0);
        Assert.True(result.Before.TestAccuracy < intact - 0.05, "three of four heads of the first layer should cost accuracy");
        Assert.True(result.After.TestAccuracy > result.Before.TestAccuracy + 0.05, "accuracy should come back");
        // held at zero: ablating the same heads again in the recovered model changes no output
        var recovered = UnitDiscovery.Discover(result.Recovered, test.SampleShape);
        var again = Ablator.Apply(recovered, [damage], spec);
        Assert.Equal(Evaluator.Evaluate(result.Recovered, test, Ort).Predicted, Evaluator.Evaluate(again, test, Ort).Predicted);
        foreach (var slice in spec.Mode.Held(recovered, recovered[heads.Name], 0)!)
        {
            var values = result.Recovered.GetInitializer(slice.Tensor);
            Assert.All(slice.Indices, i => Assert.Equal(0f, values[i]));
        }
    }
}
