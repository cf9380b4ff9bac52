namespace OnnxAblation.Importance;

/// <summary>Magnitude statistics of one unit's incoming or outgoing weights.</summary>
/// <param name="Count">Number of weights.</param>
/// <param name="L1">Σ|w|.</param>
/// <param name="L2">√Σw².</param>
/// <param name="Mean">Mean of w.</param>
/// <param name="Std">Population standard deviation of w (divisor n).</param>
/// <param name="MaxAbs">max |w|.</param>
/// <param name="NearZeroFraction">Fraction of weights with |w| &lt; <paramref name="NearZeroThreshold"/>.</param>
/// <param name="NearZeroThreshold">1e-3 (by default) × the largest |w| of the whole weight tensor the weights belong to
/// (the layer's own tensor for incoming weights, the consumer's for outgoing ones).</param>
public sealed record WeightStats(int Count, double L1, double L2, double Mean, double Std, double MaxAbs, double NearZeroFraction, double NearZeroThreshold)
{
    /// <summary>All NaN: the weights could not be found.</summary>
    public static WeightStats Missing { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Statistics of <paramref name="w"/> (non-empty), near-zero meaning |w| &lt; <paramref name="nearZeroThreshold"/>.</summary>
    public static WeightStats Of(IReadOnlyList<double> w, double nearZeroThreshold)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (w.Count == 0) return Missing;
        double l1 = 0, sq = 0, sum = 0, max = 0;
        int near = 0;
        foreach (double v in w)
        {
            double a = Math.Abs(v);
            l1 += a;
            sq += v * v;
            sum += v;
            if (a > max || double.IsNaN(a)) max = a;
            if (a < nearZeroThreshold) near++;
        }
        double mean = sum / w.Count;
        double dev = 0;
        foreach (double v in w) dev += (v - mean) * (v - mean);
        return new WeightStats(w.Count, l1, Math.Sqrt(sq), mean, Math.Sqrt(dev / w.Count), max, near / (double)w.Count, nearZeroThreshold);
    }
}
