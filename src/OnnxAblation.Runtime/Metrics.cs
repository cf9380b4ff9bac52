namespace OnnxAblation.Runtime;

/// <summary>Turns model outputs and labels into an <see cref="EvaluationResult"/>.</summary>
public static class Metrics
{
    /// <param name="outputs">Samples × classes values, row-major.</param>
    public static EvaluationResult Compute(ReadOnlySpan<float> outputs, int classes, ReadOnlySpan<int> labels, OutputKind kind, IReadOnlyList<int>? topK = null)
    {
        int n = labels.Length;
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
