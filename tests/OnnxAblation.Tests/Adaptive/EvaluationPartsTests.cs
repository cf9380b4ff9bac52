using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Adaptive;

/// <summary>Evaluations of consecutive parts of the samples, joined, equal the evaluation of all of them.</summary>
public class EvaluationPartsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Joined_parts_equal_the_evaluation_of_their_union(int seed)
    {
        const int classes = 4, n = 300;
        var rng = new Random(seed);
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(classes - 1)).ToArray(); // class 3 has no samples
        var intact = Enumerable.Range(0, n * classes).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var ablated = intact.Select(v => v + (float)(rng.NextDouble() - 0.5)).ToArray();
        ablated[7 * classes] = float.NaN; // a non-finite output
        var cuts = new[] { 0, 37, 150, n };
        EvaluationResult Part(float[] outputs, int from, int to) => Metrics.Compute(outputs.AsSpan(from * classes, (to - from) * classes), classes,
            labels.AsSpan(from, to - from), OutputKind.Logits, null, intact.AsSpan(from * classes, (to - from) * classes));
        var parts = cuts.Zip(cuts.Skip(1)).Select(c => Part(ablated, c.First, c.Second)).ToList();
        var intactParts = cuts.Zip(cuts.Skip(1)).Select(c => Part(intact, c.First, c.Second)).ToList();
        var joined = EvaluationParts.Join(parts, intactParts);
        var whole = Part(ablated, 0, n);

        Assert.Equal(whole.Samples, joined.Samples);
        Assert.Equal(whole.Predicted, joined.Predicted);
        Assert.Equal(whole.Accuracy, joined.Accuracy);
        Assert.Equal(whole.ClassAccuracy, joined.ClassAccuracy);
        Assert.Equal(whole.ClassCount, joined.ClassCount);
        Assert.Equal(whole.Confusion, joined.Confusion);
        Assert.Equal(whole.NonFinite, joined.NonFinite);
        Assert.Equal(whole.MeanLoss, joined.MeanLoss); // +∞ with the NaN sample
        for (int c = 0; c < classes; c++) Assert.Equal(whole.ClassMeanLoss[c], joined.ClassMeanLoss[c], 9);
        foreach (var (k, v) in whole.TopK) Assert.Equal(v, joined.TopK[k], 12);
        var (e, j) = (whole.Effect!, joined.Effect!);
        Assert.Equal(e.Agreement, j.Agreement, 12);
        Assert.Equal(e.Kl, j.Kl, 9);
        Assert.Equal(e.TopScoreChange, j.TopScoreChange, 9);
        Assert.Equal(e.Drift, j.Drift, 9);
        Assert.Equal(e.Cosine, j.Cosine, 9);
        for (int c = 0; c < classes; c++) Assert.Equal(e.ClassAgreement[c], j.ClassAgreement[c], 12);
    }
}
