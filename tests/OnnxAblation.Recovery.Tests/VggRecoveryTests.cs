using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Recovery of the fmnist-vgg reference model with its BatchNormalization nodes kept (model-bn.onnx) on Fashion-MNIST.</summary>
public class VggRecoveryTests(ITestOutputHelper output)
{
    private const string Conv3 = "/conv3/Conv";

    /// <summary>The 12 of conv3's 32 channels whose single zero-in costs the most accuracy on the first 2,000 test images (measured).</summary>
    private static readonly int[] Damage = [6, 7, 8, 9, 12, 13, 17, 21, 23, 25, 26, 28];

    [Fact]
    public void Damaged_vgg_with_batch_norm_regains_accuracy_in_one_epoch()
    {
        string path = TestPaths.Model("fmnist-vgg/model-bn.onnx");
        Assert.True(File.Exists(path), $"{path} is missing: copy the reference models into models/ (tools/reference_models.py)");
        Assert.True(FashionMnist.Test is not null, $"Fashion-MNIST is missing under {FashionMnist.Directory}: run bash tools/setup.sh data");
        var units = UnitDiscovery.Discover(OnnxModel.Load(path), [1, 28, 28]);
        var test = FashionMnist.Test!.Take(2000);
        var train = FashionMnist.Train!.Take(2000);
        double baseline = Evaluator.Evaluate(units.Model, test, new InferenceOptions { Threads = 2 }).Accuracy;
        var options = new RecoveryOptions { Epochs = 1, Optimizer = RecoveryOptimizer.Adam, LearningRate = 0.001, BatchSize = 64, Seed = 1, Threads = 1 };
        var result = RecoveryTrainer.Recover(units, [new UnitSet(Conv3, Damage)], train, test, options);
        output.WriteLine($"fmnist-vgg model-bn, {Damage.Length}/32 conv3 channels zero-in, 1 epoch Adam on 2,000 training images: " +
                         $"baseline {baseline:P2}, damaged {result.Before.TestAccuracy:P2}, recovered {result.After.TestAccuracy:P2} ({result.After.Seconds:F1} s)");

        // measured: baseline 90.90%, damaged 46.65%, after one epoch ≈ 88–90%
        Assert.True(result.Before.TestAccuracy < baseline - 0.3);
        Assert.True(result.After.TestAccuracy > result.Before.TestAccuracy + 0.3, $"{result.Before.TestAccuracy:P2} -> {result.After.TestAccuracy:P2}");

        var layer = units[Conv3];
        var held = Damage.SelectMany(u => units.Incoming(layer, u)).ToList();
        Assert.Equal(["conv3.weight", "bn3.weight", "bn3.bias"], held.Select(s => s.Tensor).Distinct());
        foreach (var s in held)
        {
            var v = result.Recovered.GetInitializer(s.Tensor);
            Assert.All(s.Indices, i => Assert.True(BitConverter.SingleToInt32Bits(v[i]) == 0, $"{s.Tensor}[{i}] = {v[i]:R}"));
        }
        Assert.NotEqual(result.Damaged.GetInitializer("bn3.running_mean"), result.Recovered.GetInitializer("bn3.running_mean"));
    }
}
