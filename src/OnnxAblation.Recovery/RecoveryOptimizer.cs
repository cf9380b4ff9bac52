namespace OnnxAblation.Recovery;

/// <summary>The optimizer of recovery training.</summary>
public enum RecoveryOptimizer
{
    /// <summary>Stochastic gradient descent with <see cref="RecoveryOptions.Momentum"/>.</summary>
    Sgd,

    /// <summary>Adam (β₁ 0.9, β₂ 0.999, ε 1e-8).</summary>
    Adam,
}
