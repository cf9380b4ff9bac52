namespace OnnxAblation.Ablation.Modes;

/// <summary>What an ablated unit becomes (its baseline, in Captum's words).</summary>
public enum AblationMode
{
    /// <summary>Incoming weights, bias and a following BatchNorm's scale/shift set to 0: the unit outputs exactly 0 (Meyes et al. 2019).</summary>
    ZeroIn,

    /// <summary>Outgoing weights in every consuming layer set to 0: nothing downstream reads the unit.</summary>
    ZeroOut,

    /// <summary>Incoming weights set to 0 and bias set to the unit's mean pre-activation over the data set (mean ablation).</summary>
    Mean,

    /// <summary>Gaussian noise added to the incoming weights, σ = parameter × std of those weights, seeded.</summary>
    Noise,

    /// <summary>Incoming weights and bias multiplied by the parameter.</summary>
    Scale,
}
