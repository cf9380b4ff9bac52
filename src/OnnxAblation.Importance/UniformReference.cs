namespace OnnxAblation.Importance;

/// <summary>How trained weights are compared with PyTorch's default initialisation when no init model is given.</summary>
public enum UniformReference
{
    /// <summary>Against the continuous U(−b, b) CDF, with no sampling noise (<see cref="MannWhitney.AgainstUniform"/>).</summary>
    Analytic,

    /// <summary>Two-sample asymptotic test against as many draws from U(−b, b) as the unit has weights
    /// (fixed seed; the same draws for every unit of a layer), comparable in scale with the init-model test.</summary>
    Sampled,
}
