namespace OnnxAblation.Importance;

/// <summary>Settings of <see cref="WeightMetrics.Compute"/>.</summary>
public sealed record WeightMetricsOptions
{
    /// <summary>Near zero means |w| &lt; this × max |w| of the weight tensor (default 1e-3).</summary>
    public double NearZeroRelative { get; init; } = 1e-3;

    /// <summary>Reference used without an init model (default: the analytic uniform CDF).</summary>
    public UniformReference Uniform { get; init; } = UniformReference.Analytic;

    /// <summary>Seed of the Mersenne Twister that draws the reference sample for <see cref="UniformReference.Sampled"/>.</summary>
    public int Seed { get; init; } = 20190101;
}
