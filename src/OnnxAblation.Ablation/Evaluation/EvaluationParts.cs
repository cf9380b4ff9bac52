using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Joins evaluations of consecutive, disjoint parts of a sample order into the evaluation of their union, in that
/// order: predictions concatenated, counts summed, accuracies recounted from the parts' correct counts, means (losses,
/// top-k, effects) weighted by the parts' sample counts (per-class ones by the parts' class counts; per intact-predicted
/// class agreement by the intact model's predictions on each part). Equal to evaluating the union up to float rounding
/// of the weighted means.
/// </summary>
internal static class EvaluationParts
{
    public static EvaluationResult Join(IReadOnlyList<EvaluationResult> parts, IReadOnlyList<EvaluationResult> intactParts)
    {
        if (parts.Count == 1) return parts[0];
        int n = parts.Sum(p => p.Samples), classes = parts[0].Classes;
        var classCount = new int[classes];
        var confusion = new int[parts[0].Confusion.Length];
        var classCorrect = new double[classes];
        var classLoss = new double[classes];
        double correct = 0, loss = 0;
        foreach (var p in parts)
        {
            correct += Math.Round(p.Accuracy * p.Samples);
            loss += p.MeanLoss * p.Samples;
            for (int c = 0; c < classes; c++)
            {
                if (p.ClassCount[c] == 0) continue;
                classCount[c] += p.ClassCount[c];
                classCorrect[c] += Math.Round(p.ClassAccuracy[c] * p.ClassCount[c]);
                classLoss[c] += p.ClassMeanLoss[c] * p.ClassCount[c];
            }
            for (int i = 0; i < confusion.Length; i++) confusion[i] += p.Confusion[i];
        }
        var topK = parts[0].TopK.Keys.ToDictionary(k => k, k => parts.Sum(p => p.TopK.TryGetValue(k, out double v) ? v * p.Samples : double.NaN) / n);
        return new EvaluationResult
        {
            Samples = n,
            Classes = classes,
            Accuracy = n == 0 ? double.NaN : correct / n,
            ClassAccuracy = classCount.Select((c, j) => c == 0 ? double.NaN : classCorrect[j] / c).ToArray(),
            ClassCount = classCount,
            Confusion = confusion,
            MeanLoss = n == 0 ? double.NaN : loss / n,
            ClassMeanLoss = classCount.Select((c, j) => c == 0 ? double.NaN : classLoss[j] / c).ToArray(),
            TopK = topK,
            Predicted = parts.SelectMany(p => p.Predicted).ToArray(),
            NonFinite = parts.Sum(p => p.NonFinite),
            Effect = parts.All(p => p.Effect is not null) ? JoinEffects(parts, intactParts, n) : null,
        };
    }

    private static IntactEffect JoinEffects(IReadOnlyList<EvaluationResult> parts, IReadOnlyList<EvaluationResult> intactParts, int n)
    {
        double Mean(Func<IntactEffect, double> f) => parts.Sum(p => f(p.Effect!) * p.Samples) / n;
        int width = parts[0].Effect!.ClassAgreement.Length;
        var agree = new double[width];
        var count = new int[width];
        for (int k = 0; k < parts.Count; k++)
        {
            var partCount = new int[width];
            foreach (int t in intactParts[k].Predicted)
                if ((uint)t < (uint)width) partCount[t]++;
            for (int j = 0; j < width; j++)
            {
                if (partCount[j] == 0) continue;
                count[j] += partCount[j];
                agree[j] += parts[k].Effect!.ClassAgreement[j] * partCount[j];
            }
        }
        return new IntactEffect
        {
            Agreement = Mean(e => e.Agreement),
            ClassAgreement = count.Select((c, j) => c == 0 ? double.NaN : agree[j] / c).ToArray(),
            Kl = Mean(e => e.Kl),
            TopScoreChange = Mean(e => e.TopScoreChange),
            Drift = Mean(e => e.Drift),
            Cosine = Mean(e => e.Cosine),
        };
    }
}
