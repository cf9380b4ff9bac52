using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>
/// What an ablated unit becomes (its baseline, in Captum's words) and how initializers are rewritten to get there.
/// One sealed subclass per mode, each listed once in <see cref="All"/>: a mode owns its key, its rewrite, whether the
/// fast path's mask can express it, what it needs first and what recovery training can hold.
/// </summary>
public abstract class AblationMode
{
    /// <summary>Incoming weights, bias and a following BatchNorm's scale/shift set to 0: the unit outputs exactly 0 (Meyes et al. 2019).</summary>
    public static AblationMode ZeroIn { get; } = new ZeroInMode();

    /// <summary>Outgoing weights in every consuming layer set to 0: nothing downstream reads the unit.</summary>
    public static AblationMode ZeroOut { get; } = new ZeroOutMode();

    /// <summary>Incoming weights set to 0 and bias set to the unit's mean pre-activation over the data set (mean ablation).</summary>
    public static AblationMode Mean { get; } = new MeanMode();

    /// <summary>Gaussian noise added to the incoming weights, σ = parameter × std of those weights, seeded.</summary>
    public static AblationMode Noise { get; } = new NoiseMode();

    /// <summary>Incoming weights and bias multiplied by the parameter.</summary>
    public static AblationMode Scale { get; } = new ScaleMode();

    /// <summary>Every mode, in the order help texts list them. A new mode is a new file and one entry here.</summary>
    public static IReadOnlyList<AblationMode> All { get; } = [ZeroIn, ZeroOut, Mean, Noise, Scale];

    /// <summary>The name users type and stores record, e.g. <c>zero-in</c>.</summary>
    public abstract string Key { get; }

    /// <summary>Other names that parse to this mode.</summary>
    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>The parameter's name in help texts (<c>sigma</c>, <c>factor</c>), or null when the mode takes none.</summary>
    public virtual string? ParameterName => null;

    /// <summary>The parameter when none is given.</summary>
    public virtual double DefaultParameter => 0;

    /// <summary>Whether the seed changes the rewrite (and so belongs to the stored key).</summary>
    public virtual bool UsesSeed => false;

    /// <summary>Whether the rewrite needs <see cref="UnitMeans"/> computed on the data first.</summary>
    public virtual bool NeedsUnitMeans => false;

    /// <summary>Whether the fast path's mask (the unit's tensor channel multiplied by 0) is exactly this ablation.</summary>
    public virtual bool FastMaskable => false;

    /// <summary>Whether the fast path's mask is exactly this ablation on units of <paramref name="layer"/>.</summary>
    public virtual bool FastMaskableOn(Layer layer) => FastMaskable;

    /// <summary>Help text form, e.g. <c>noise[:sigma]</c>.</summary>
    public string Usage => ParameterName is { } p ? $"{Key}[:{p}]" : Key;

    /// <summary>Why this mode cannot ablate units of <paramref name="layer"/>, or null if it can.</summary>
    public virtual string? Unavailable(ModelUnits units, Layer layer) => null;

    /// <summary>The weight elements the rewrite of <paramref name="unit"/> changes (the overridable evaluator feeds these tensors).</summary>
    public abstract IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit);

    /// <summary>The weight elements recovery training must hold at exactly 0, or null when the mode does not silence weights exactly.</summary>
    public virtual IEnumerable<TensorSlice>? Held(ModelUnits units, Layer layer, int unit) => null;

    /// <summary>Rewrites <paramref name="edits"/> so that <paramref name="unit"/> of <paramref name="layer"/> is ablated.</summary>
    internal abstract void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit);

    /// <summary>
    /// For a head: rewrites each of the head's value units as this mode rewrites a unit (modes that act on a unit's
    /// incoming side). True when <paramref name="layer"/> was a head layer and is done.
    /// </summary>
    internal bool OnValues(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Attention is not { } a) return false;
        var value = context.Units[a.ValueLayer];
        foreach (int v in a.ValueUnits(unit)) Rewrite(edits, context, value, v);
        return true;
    }

    /// <summary>The text form that keys stored results (parameter and seed included where they matter).</summary>
    public virtual string Format(ModeSpec spec) => Key;

    public override string ToString() => Key;
}
