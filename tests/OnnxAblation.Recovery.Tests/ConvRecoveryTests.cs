using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Recovery of a small convolutional network with BatchNormalization kept in the graph (hand-built, random weights).</summary>
public class ConvRecoveryTests(ITestOutputHelper output)
{
    private static readonly RecoveryOptions Adam = new()
    {
        Epochs = 1, Optimizer = RecoveryOptimizer.Adam, LearningRate = 0.01, BatchSize = 50, Seed = 3, Threads = 1,
        Inference = new InferenceOptions { Threads = 1 },
    };

    /// <summary>[1,28,28] → Conv(4)+BN → Relu → MaxPool → Conv(6)+BN → Relu → GAP → Flatten → Gemm(10).</summary>
    private static OnnxModel ConvNet()
    {
        var g = new GraphBuilder("input", [1, 28, 28], seed: 21);
        var c1 = g.Node("Conv", ["input", g.Weight("conv1.weight", [4, 1, 3, 3]), g.Weight("conv1.bias", [4], -0.1, 0.1)], ("pads", new long[] { 1, 1, 1, 1 }));
        var b1 = g.Node("BatchNormalization", [c1, g.Weight("bn1.weight", [4], 0.5, 1.5), g.Weight("bn1.bias", [4], -0.1, 0.1), g.Weight("bn1.running_mean", [4], -0.1, 0.1), g.Weight("bn1.running_var", [4], 0.5, 2)]);
        var p1 = g.Node("MaxPool", [g.Node("Relu", [b1])], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        var c2 = g.Node("Conv", [p1, g.Weight("conv2.weight", [6, 4, 3, 3], -0.3, 0.3)], ("pads", new long[] { 1, 1, 1, 1 }));
        var b2 = g.Node("BatchNormalization", [c2, g.Weight("bn2.weight", [6], 0.5, 1.5), g.Weight("bn2.bias", [6], -0.1, 0.1), g.Weight("bn2.running_mean", [6], -0.1, 0.1), g.Weight("bn2.running_var", [6], 0.5, 2)]);
        var gap = g.Node("GlobalAveragePool", [g.Node("Relu", [b2])]);
        var fc = g.Node("Gemm", [g.Node("Flatten", [gap]), g.Weight("fc.weight", [10, 6], -0.5, 0.5), g.Weight("fc.bias", [10], -0.1, 0.1)], ("transB", 1));
        return g.Build(fc);
    }

    [Fact]
    public void Conv_weights_bias_and_batch_norm_of_ablated_channels_stay_zero()
    {
        var units = UnitDiscovery.Discover(ConvNet(), [1, 28, 28]);
        var conv1 = units.Layers[0];
        Assert.Equal(4, units.Layers[0].UnitCount);
        Assert.NotNull(conv1.BatchNormNodeIndex);
        var train = MnistDigits.AsImages(MnistDigits.Train);
        var every = Enumerable.Range(0, 1000).Select(i => i * 8).ToArray();
        var trainSet = Subset(train, every);
        var test = MnistDigits.AsImages(MnistDigits.Test);
        var result = RecoveryTrainer.Recover(units, [new UnitSet(conv1.Name, [0, 2])], trainSet, test, Adam);
        output.WriteLine($"conv net (random init), conv1 channels 0 and 2 ablated: {result.Before.TestAccuracy:P2} -> {result.After.TestAccuracy:P2}, train loss {result.After.TrainLoss:F3}");
        Assert.True(double.IsFinite(result.After.TrainLoss) && result.After.TrainLoss < 2.3, $"train loss {result.After.TrainLoss}");
        Assert.True(result.After.TestAccuracy > result.Before.TestAccuracy, "one epoch of Adam should improve the random network");

        var held = new[] { 0, 2 }.SelectMany(u => units.Incoming(conv1, u)).ToList();
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias"], held.Select(s => s.Tensor).Distinct());
        Assert.Equal(9 * 2 + 2 + 2 + 2, result.HeldValues);
        foreach (var s in held)
        {
            var v = result.Recovered.GetInitializer(s.Tensor);
            Assert.All(s.Indices, i => Assert.True(BitConverter.SingleToInt32Bits(v[i]) == 0, $"{s.Tensor}[{i}] = {v[i]:R}"));
        }
        foreach (var name in new[] { "conv1.weight", "conv2.weight", "bn2.weight", "fc.weight", "bn1.running_mean", "bn2.running_var" })
            Assert.NotEqual(result.Damaged.GetInitializer(name), result.Recovered.GetInitializer(name));

        // what the loop reported is what ONNX Runtime measures on the recovered model
        Assert.Equal(result.After.TestAccuracy, Evaluator.Evaluate(result.Recovered, test, new InferenceOptions { Threads = 2 }).Accuracy);
    }

    [Fact]
    public void Frozen_batch_norms_keep_their_statistics_when_only_the_last_layer_trains()
    {
        var units = UnitDiscovery.Discover(ConvNet(), [1, 28, 28]);
        var train = Subset(MnistDigits.AsImages(MnistDigits.Train), Enumerable.Range(0, 300).Select(i => i * 25).ToArray());
        var test = MnistDigits.AsImages(MnistDigits.Test.Take(500));
        var result = RecoveryTrainer.Recover(units, [new UnitSet(units.Layers[1].Name, [1])], train, test, Adam with { Scope = RecoveryScope.LastLayer });
        Assert.Equal(["fc.weight", "fc.bias"], result.TrainedTensors);
        foreach (var name in new[] { "bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var", "conv2.weight", "bn2.weight" })
            Assert.Equal(result.Damaged.GetInitializer(name), result.Recovered.GetInitializer(name));
        Assert.NotEqual(result.Damaged.GetInitializer("fc.weight"), result.Recovered.GetInitializer("fc.weight"));
    }

    [Fact]
    public void Repeated_runs_in_one_process_give_identical_finite_curves()
    {
        // Guards the convolution path: libtorch's own CPU convolution gave intermittent non-finite weight
        // gradients in a second run in the same process; the executor's unfold formulation must not.
        var units = UnitDiscovery.Discover(ConvNet(), [1, 28, 28]);
        var train = Subset(MnistDigits.AsImages(MnistDigits.Train), Enumerable.Range(0, 500).Select(i => i * 16).ToArray());
        var test = Subset(MnistDigits.AsImages(MnistDigits.Test), Enumerable.Range(0, 400).Select(i => i * 5).ToArray());
        var damage = new[] { new UnitSet(units.Layers[0].Name, [1]) };
        var runs = Enumerable.Range(0, 3).Select(_ => RecoveryTrainer.Recover(units, damage, train, test, Adam)).ToList();
        foreach (var r in runs)
        {
            Assert.True(double.IsFinite(r.After.TrainLoss), $"train loss {r.After.TrainLoss}");
            Assert.Equal(runs[0].Curve.Select(e => (e.TrainLoss, e.TestAccuracy)), r.Curve.Select(e => (e.TrainLoss, e.TestAccuracy)));
            Assert.Equal(runs[0].Recovered.GetInitializer("conv1.weight"), r.Recovered.GetInitializer("conv1.weight"));
        }
    }

    private static Data.Dataset Subset(Data.Dataset data, int[] indices)
    {
        var features = new float[indices.Length * data.SampleSize];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            data.Sample(indices[k]).CopyTo(features.AsSpan(k * data.SampleSize));
            labels[k] = data.Labels[indices[k]];
        }
        return new Data.Dataset(features, labels, data.SampleShape, data.ClassNames, data.Spec + " subset");
    }
}
