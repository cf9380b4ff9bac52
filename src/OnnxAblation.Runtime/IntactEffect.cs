namespace OnnxAblation.Runtime;

/// <summary>
/// What an ablation did to the model's outputs, measured against the intact model on the same samples (no labels
/// needed). For class-score outputs: top-1 agreement (overall and per intact-predicted class), mean
/// KL(intact ‖ ablated) of the softmax distributions and the mean change of the intact top class's score; for any
/// output: the mean relative L2 change ‖y′ − y‖ / ‖y‖ and the mean cosine similarity per sample.
/// </summary>
public sealed record IntactEffect
{
    /// <summary>Share of samples whose top class is the intact model's (NaN for non-class outputs).</summary>
    public required double Agreement { get; init; }

    /// <summary>Agreement per class the intact model predicts; NaN for a class it never predicts.</summary>
    public required double[] ClassAgreement { get; init; }

    /// <summary>Mean KL(intact ‖ ablated) in nats of the softmax outputs (NaN for non-class outputs).</summary>
    public required double Kl { get; init; }

    /// <summary>Mean of ablated − intact score of the intact top class (logit, log-probability or probability as the output holds).</summary>
    public required double TopScoreChange { get; init; }

    /// <summary>Mean over samples of ‖y′ − y‖ / ‖y‖ (0 where both are 0, +∞ where only y is 0).</summary>
    public required double Drift { get; init; }

    /// <summary>Mean over samples of the cosine similarity of y′ and y (1 where both are 0, 0 where one is).</summary>
    public required double Cosine { get; init; }

    /// <summary>The effect of outputs <paramref name="ablated"/> against <paramref name="intact"/>, both samples × <paramref name="width"/>.</summary>
    public static IntactEffect Compute(ReadOnlySpan<float> intact, ReadOnlySpan<float> ablated, int width, OutputKind kind)
    {
        if (width <= 0 || intact.Length != ablated.Length || intact.Length % width != 0)
            throw new ArgumentException($"{ablated.Length} ablated and {intact.Length} intact outputs do not make rows of {width}");
        int n = intact.Length / width;
        bool scores = kind != OutputKind.Features;
        double agree = 0, kl = 0, top = 0, drift = 0, cosine = 0;
        var classAgree = new int[scores ? width : 0];
        var classCount = new int[scores ? width : 0];
        var p = new double[width];
        var q = new double[width];
        for (int i = 0; i < n; i++)
        {
            var y = intact.Slice(i * width, width);
            var y2 = ablated.Slice(i * width, width);
            double dd = 0, yy = 0, y2y2 = 0, yy2 = 0;
            for (int j = 0; j < width; j++)
            {
                double a = y[j], b = y2[j];
                dd += (b - a) * (b - a);
                yy += a * a;
                y2y2 += b * b;
                yy2 += a * b;
            }
            drift += yy > 0 ? Math.Sqrt(dd) / Math.Sqrt(yy) : dd > 0 ? double.PositiveInfinity : 0;
            cosine += yy > 0 && y2y2 > 0 ? yy2 / (Math.Sqrt(yy) * Math.Sqrt(y2y2)) : yy == 0 && y2y2 == 0 ? 1 : 0;
            if (!scores) continue;
            int t = ArgMax(y), t2 = ArgMax(y2);
            classCount[t]++;
            if (t == t2) { agree++; classAgree[t]++; }
            top += y2[t] - y[t];
            LogProbabilities(y, kind, p);
            LogProbabilities(y2, kind, q);
            double sample = 0;
            for (int j = 0; j < width; j++)
                if (p[j] > double.NegativeInfinity) sample += Math.Exp(p[j]) * (p[j] - q[j]);
            kl += sample;
        }
        double Mean(double sum) => n == 0 ? double.NaN : sum / n;
        return new IntactEffect
        {
            Agreement = scores ? Mean(agree) : double.NaN,
            ClassAgreement = scores ? classCount.Select((c, j) => c == 0 ? double.NaN : (double)classAgree[j] / c).ToArray() : [],
            Kl = scores ? Mean(kl) : double.NaN,
            TopScoreChange = scores ? Mean(top) : double.NaN,
            Drift = Mean(drift),
            Cosine = Mean(cosine),
        };
    }

    /// <summary>First index of the largest value (NaN rows give 0).</summary>
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int arg = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[arg]) arg = j;
        return arg;
    }

    /// <summary>log softmax of logits (log-probabilities are their own log softmax); log p of probabilities (renormalised).</summary>
    private static void LogProbabilities(ReadOnlySpan<float> row, OutputKind kind, double[] into)
    {
        if (kind == OutputKind.Probabilities)
        {
            double sum = 0;
            foreach (float v in row) sum += Math.Max(v, 0);
            for (int j = 0; j < row.Length; j++) into[j] = Math.Log(Math.Max(row[j], 0) / sum);
            return;
        }
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double s = 0;
        foreach (float v in row) s += Math.Exp(v - max);
        double log = max + Math.Log(s);
        for (int j = 0; j < row.Length; j++) into[j] = row[j] - log;
    }
}
