using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Incoming weights, bias and a following BatchNorm's scale/shift set to 0: the unit outputs exactly 0.</summary>
internal sealed class ZeroInMode : AblationMode
{
    public override string Key => "zero-in";

    public override IReadOnlyList<string> Aliases => ["zero"];

    public override bool FastMaskable => true;

    public override IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit) => units.Incoming(layer, unit);

    public override IEnumerable<TensorSlice>? Held(ModelUnits units, Layer layer, int unit) => units.Incoming(layer, unit);

    internal override void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        if (OnValues(edits, context, layer, unit)) return;
        foreach (var s in context.Units.Incoming(layer, unit))
            edits.Set(s.Tensor == layer.BiasName ? s with { Tensor = edits.PerUnitBias(layer) } : s, 0f);
    }
}
