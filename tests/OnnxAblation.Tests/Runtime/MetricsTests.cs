using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Runtime;

public class MetricsTests
{
    [Fact]
    public void Hand_computed_metrics()
    {
        // 3 samples, 3 classes. Sample 0 (y=0) right; sample 1 (y=1) predicted 2; sample 2 (y=2) right.
        float[] logits = [2, 0, 0, 0, 1, 3, 0, 0, 5];
        var r = Metrics.Compute(logits, 3, [0, 1, 2], OutputKind.Logits, [1, 2]);
        Assert.Equal(2.0 / 3, r.Accuracy, 12);
        Assert.Equal([1.0, 0.0, 1.0], r.ClassAccuracy);
        Assert.Equal([0, 2, 2], r.Predicted);
        Assert.Equal(1, r.Confusion[1 * 3 + 2]);
        Assert.Equal(1.0, r.TopK[2], 12); // label 1 is second-highest for sample 1
        double l0 = -(2 - Math.Log(Math.Exp(2) + 2));
        double l1 = -(1 - Math.Log(1 + Math.E + Math.Exp(3)));
        double l2 = -(5 - Math.Log(2 + Math.Exp(5)));
        Assert.Equal((l0 + l1 + l2) / 3, r.MeanLoss, 10);
        Assert.Equal(l1, r.ClassMeanLoss[1], 10);
    }

    [Fact]
    public void Log_probabilities_and_probabilities_give_the_same_loss_as_logits()
    {
        float[] logits = [1, 2, 0.5f];
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5));
        float[] logp = logits.Select(v => (float)(v - lse)).ToArray();
        float[] p = logp.Select(v => (float)Math.Exp(v)).ToArray();
        double a = Metrics.Compute(logits, 3, [0], OutputKind.Logits).MeanLoss;
        Assert.Equal(a, Metrics.Compute(logp, 3, [0], OutputKind.LogProbabilities).MeanLoss, 5);
        Assert.Equal(a, Metrics.Compute(p, 3, [0], OutputKind.Probabilities).MeanLoss, 5);
    }

    [Fact]
    public void Non_finite_outputs_are_counted_wrong()
    {
        float[] logits = [float.NaN, 0, 1, 0];
        var r = Metrics.Compute(logits, 2, [0, 0], OutputKind.Logits);
        Assert.Equal(1, r.NonFinite);
        Assert.Equal(-1, r.Predicted[0]);
        Assert.Equal(0.5, r.Accuracy); // sample 1 ([1, 0], label 0) is right
    }
}
