namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The stored result of one evaluation: the baseline (no units) or one ablation.
/// <see cref="Key"/> is content-addressed (layers, units, mode and its parameters), so the same ablation
/// asked for by two studies is evaluated once.
/// </summary>
public sealed record AblationRecord
{
    /// <summary>Canonical key, e.g. "zero-in|fc1:3,15" or "baseline".</summary>
    public required string Key { get; init; }

    /// <summary>The study that first asked for it (single, pairs, group, cumulative-random-s1, class-top, layer, baseline...).</summary>
    public required string Study { get; init; }

    /// <summary>Ablated unit sets: layer name → unit indices (empty for the baseline).</summary>
    public required IReadOnlyList<UnitSet> Units { get; init; }

    /// <summary>Mode name with parameters, e.g. "zero-in", "noise(0.5,seed=1)", "scale(0.5)".</summary>
    public required string Mode { get; init; }

    public required double Accuracy { get; init; }

    public required double[] ClassAccuracy { get; init; }

    public required double MeanLoss { get; init; }

    public required double[] ClassMeanLoss { get; init; }

    /// <summary>Bit i set = sample i classified correctly (LSB first in each byte); flips are XOR with the baseline's.</summary>
    public required byte[] Correct { get; init; }

    /// <summary>Samples whose outputs were NaN/∞.</summary>
    public int NonFinite { get; init; }

    /// <summary>The effect against the intact model on the same samples (agreement, KL, score change, drift, cosine); null in stores written before it was measured.</summary>
    public Runtime.IntactEffect? Effect { get; init; }

    /// <summary>
    /// Samples the result was measured on under adaptive sampling (<c>--adaptive</c>); null: all of the store's samples
    /// (an exact study). Fewer than all: accuracy, class accuracy and losses are paired estimates of the full-data values
    /// (the intact model's full-data value + the change measured on these samples), the correctness bits are the intact
    /// model's outside them, and the effect and non-finite count are these samples'.
    /// </summary>
    public int? Samples { get; init; }

    /// <summary>Half-width of the 95% interval of the accuracy change (a fraction; 0 when measured on all samples), under adaptive sampling; null otherwise.</summary>
    public double? Interval { get; init; }

    /// <summary>Wall time of the evaluation (not compared when results are checked for equality).</summary>
    public double Seconds { get; init; }

    public bool IsCorrect(int sample) => (Correct[sample >> 3] & (1 << (sample & 7))) != 0;

    public static byte[] PackBits(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels)
    {
        var bits = new byte[(labels.Length + 7) / 8];
        for (int i = 0; i < labels.Length; i++)
            if (predicted[i] == labels[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
        return bits;
    }
}
