namespace OnnxAblation.Runtime;

/// <summary>Turns model outputs and labels into an <see cref="EvaluationResult"/>.</summary>
public static class Metrics
{
    /// <param name="outputs">Samples × classes values, row-major.</param>
    /// <param name="intact">The intact model's outputs on the same samples: the result then carries the <see cref="IntactEffect"/>.</param>
    public static EvaluationResult Compute(ReadOnlySpan<float> outputs, int classes, ReadOnlySpan<int> labels, OutputKind kind, IReadOnlyList<int>? topK = null,
        ReadOnlySpan<float> intact = default)
    {
        int n = labels.Length;
        if (kind == OutputKind.Features) return Features(outputs, classes, n, intact);
        var effect = intact.IsEmpty ? null : IntactEffect.Compute(intact, outputs, classes, kind);
        if (outputs.Length != (long)n * classes)
            throw new ArgumentException($"{outputs.Length} outputs for {n} samples × {classes} classes");
        var ks = (topK ?? DefaultTopK(classes)).Where(k => k >= 1 && k <= classes).Distinct().Order().ToArray();
        var topHits = new int[ks.Length];
        var predicted = new int[n];
        var confusion = new int[classes * classes];
        var classCount = new int[classes];
        var classCorrect = new int[classes];
        var classLoss = new double[classes];
        double loss = 0;
        int nonFinite = 0;
        for (int i = 0; i < n; i++)
        {
            int y = labels[i];
            var row = outputs.Slice(i * classes, classes);
            classCount[y]++;
            bool finite = true;
            int arg = 0;
            for (int c = 0; c < classes; c++)
            {
                if (!float.IsFinite(row[c])) { finite = false; break; }
                if (row[c] > row[arg]) arg = c;
            }
            if (!finite)
            {
                nonFinite++;
                predicted[i] = -1;
                classLoss[y] = double.PositiveInfinity;
                loss = double.PositiveInfinity;
                continue;
            }
            predicted[i] = arg;
            confusion[y * classes + arg]++;
            if (arg == y) classCorrect[y]++;
            double l = SampleLoss(row, y, kind);
            loss += l;
            classLoss[y] += l;
            // rank of the true class: number of classes scoring strictly higher (ties favour the label)
            int higher = 0;
            for (int c = 0; c < classes; c++) if (row[c] > row[y]) higher++;
            for (int k = 0; k < ks.Length; k++) if (higher < ks[k]) topHits[k]++;
        }
        var topk = new Dictionary<int, double>();
        for (int k = 0; k < ks.Length; k++) topk[ks[k]] = n == 0 ? double.NaN : (double)topHits[k] / n;
        return new EvaluationResult
        {
            Samples = n,
            Classes = classes,
            Accuracy = n == 0 ? double.NaN : (double)classCorrect.Sum() / n,
            ClassAccuracy = classCount.Select((c, j) => c == 0 ? double.NaN : (double)classCorrect[j] / c).ToArray(),
            ClassCount = classCount,
            Confusion = confusion,
            MeanLoss = n == 0 ? double.NaN : loss / n,
            ClassMeanLoss = classCount.Select((c, j) => c == 0 ? double.NaN : classLoss[j] / c).ToArray(),
            TopK = topk,
            Predicted = predicted,
            NonFinite = nonFinite,
            Effect = effect,
        };
    }

    /// <summary>
    /// An output that is not class scores (features, an embedding, a regression): no accuracy or loss (NaN), only the
    /// effect against the intact outputs; <see cref="EvaluationResult.Predicted"/> is −1 throughout.
    /// </summary>
    private static EvaluationResult Features(ReadOnlySpan<float> outputs, int classes, int n, ReadOnlySpan<float> intact)
    {
        int nonFinite = 0;
        int width = n == 0 ? 1 : outputs.Length / n;
        for (int i = 0; i < n; i++)
            foreach (float v in outputs.Slice(i * width, width))
                if (!float.IsFinite(v)) { nonFinite++; break; }
        return new EvaluationResult
        {
            Samples = n,
            Classes = classes,
            Accuracy = double.NaN,
            ClassAccuracy = Enumerable.Repeat(double.NaN, classes).ToArray(),
            ClassCount = new int[classes],
            Confusion = new int[classes * classes],
            MeanLoss = double.NaN,
            ClassMeanLoss = Enumerable.Repeat(double.NaN, classes).ToArray(),
            TopK = new Dictionary<int, double>(),
            Predicted = Enumerable.Repeat(-1, n).ToArray(),
            NonFinite = nonFinite,
            Effect = intact.IsEmpty ? null : IntactEffect.Compute(intact, outputs, width, OutputKind.Features),
        };
    }

    private static int[] DefaultTopK(int classes) => classes > 5 ? [1, 5] : [1];

    /// <summary>Cross-entropy of one row, in double precision.</summary>
    internal static double SampleLoss(ReadOnlySpan<float> row, int label, OutputKind kind)
    {
        if (kind == OutputKind.Probabilities)
            return -Math.Log(Math.Max(row[label], 1e-12));
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        return -(row[label] - max - Math.Log(sum));
    }
}
