using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Importance;

public class ActivationMetricsTests
{
    [Fact]
    public void Selectivity_of_hand_made_class_means()
    {
        // μmax = 4, μ−max = mean(1, 1, 1) = 1 ⇒ (4 − 1)/(4 + 1) = 0.6
        Assert.Equal(0.6, ActivationMetrics.Selectivity([1, 4, 1, 1]), 15);
        // responds to one class only ⇒ 1; equal means ⇒ 0; silent unit (0/0) ⇒ 0
        Assert.Equal(1, ActivationMetrics.Selectivity([0, 0, 2.5]));
        Assert.Equal(0, ActivationMetrics.Selectivity([3, 3, 3]));
        Assert.Equal(0, ActivationMetrics.Selectivity([0, 0, 0]));
        // a class without samples (NaN) is left out: μmax = 3, μ−max = 1 ⇒ 0.5
        Assert.Equal(0.5, ActivationMetrics.Selectivity([1, double.NaN, 3]), 15);
        // two classes share the maximum: the other one counts among the rest: (2 − (2 + 0)/2)/(2 + 1) = 1/3
        Assert.Equal(1 / 3.0, ActivationMetrics.Selectivity([2, 2, 0]), 15);
        Assert.True(double.IsNaN(ActivationMetrics.Selectivity([5])));
    }

    [Fact]
    public void Conv_channels_use_spatial_means_and_count_zeros_per_position()
    {
        // N=3 samples, C=2 channels, H=1, W=2; labels 0, 1, 1.
        float[] values =
        [
            1, 3, /* ch1 */ 0, 0,     // sample 0 (class 0): ch0 mean 2, ch1 mean 0
            0, 2, /* ch1 */ 4, 4,     // sample 1 (class 1): ch0 mean 1, ch1 mean 4
            0, 0, /* ch1 */ 2, 0,     // sample 2 (class 1): ch0 mean 0, ch1 mean 1
        ];
        var acc = new ActivationAccumulator(2, 2, channelsAxis1: true);
        acc.Add("conv", "t", values.AsSpan(0, 8), [2, 2, 1, 2], [0, 1]);
        acc.Add("conv", "t", values.AsSpan(8, 4), [1, 2, 1, 2], [1]);
        var m = acc.Finish();
        Assert.Equal(3, acc.Samples);
        Assert.Equal(1.0, m[0].Mean, 12);               // (2 + 1 + 0)/3
        Assert.Equal(3 / 6.0, m[0].ZeroFraction, 12);   // zeros at s1[0], s2[0], s2[1]
        Assert.Equal([2.0, 0.5], m[0].ClassMeans);
        Assert.Equal((2 - 0.5) / 2.5, m[0].Selectivity, 12);
        Assert.Equal(5 / 3.0, m[1].Mean, 12);
        Assert.Equal(3 / 6.0, m[1].ZeroFraction, 12);
        Assert.Equal([0.0, 2.5], m[1].ClassMeans);
        Assert.Equal(1.0, m[1].Selectivity, 12);
    }

    [Fact]
    public void Accumulator_rejects_a_tensor_whose_unit_axis_does_not_match()
    {
        var acc = new ActivationAccumulator(3, 2, channelsAxis1: false);
        var e = Assert.Throws<InvalidOperationException>(() => acc.Add("fc", "t", new float[4], [2, 2], [0, 1]));
        Assert.Contains("3 units", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mlp_activations_match_a_hand_forward_pass()
    {
        var model = OnnxModel.Load(TestPaths.Model("mnist-mlp-20-10/model.onnx"));
        var units = UnitDiscovery.Discover(model, [784]);
        const int n = 60;
        var rng = new Random(5);
        var x = new float[n * 784];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() < 0.8 ? 0 : (float)rng.NextDouble();
        var labels = Enumerable.Range(0, n).Select(i => (i * 7) % 10).ToArray();
        var data = new Dataset(x, labels, [784], Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), "synthetic");

        var result = ActivationMetrics.Compute(units, units.HiddenLayers, data, new InferenceOptions { Threads = 1, BatchSize = 25 });
        Assert.Equal(2, result.Count);
        Assert.Equal("relu-output", result[0].Source);
        Assert.Equal("/relu1/Relu_output_0", result[0].Tensor);
        Assert.Equal(n, result[0].Samples);

        // Hand forward pass: h1 = relu(((x − 0.5)/0.5)·W1), h2 = relu(h1·W2), W row-major [in, out].
        float[] w1 = model.GetInitializer("onnx::MatMul_17"), w2 = model.GetInitializer("onnx::MatMul_18");
        var h1 = new double[n, 20];
        var h2 = new double[n, 10];
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < 20; j++)
            {
                double a = 0;
                for (int i = 0; i < 784; i++) a += (x[s * 784 + i] - 0.5) / 0.5 * w1[i * 20 + j];
                h1[s, j] = Math.Max(0, a);
            }
            for (int j = 0; j < 10; j++)
            {
                double a = 0;
                for (int i = 0; i < 20; i++) a += h1[s, i] * w2[i * 10 + j];
                h2[s, j] = Math.Max(0, a);
            }
        }
        CheckLayer(result[0], h1, labels);
        CheckLayer(result[1], h2, labels);
    }

    private static void CheckLayer(LayerActivationMetrics m, double[,] h, int[] labels)
    {
        int n = h.GetLength(0);
        for (int u = 0; u < m.Units.Count; u++)
        {
            var unit = m.Units[u];
            var col = Enumerable.Range(0, n).Select(s => h[s, u]).ToArray();
            Assert.Equal(col.Average(), unit.Mean, 3);
            // float32 pre-activations near 0 could flip sign; the synthetic inputs keep them away from it
            Assert.Equal(col.Count(v => v == 0) / (double)n, unit.ZeroFraction, 10);
            var means = Enumerable.Range(0, 10).Select(c => Enumerable.Range(0, n).Where(s => labels[s] == c).Select(s => h[s, u]).Average()).ToArray();
            for (int c = 0; c < 10; c++) Assert.Equal(means[c], unit.ClassMeans[c], 3);
            Assert.Equal(ActivationMetrics.Selectivity(means), unit.Selectivity, 3);
        }
    }
}
