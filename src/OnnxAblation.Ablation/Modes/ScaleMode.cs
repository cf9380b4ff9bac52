using System.Globalization;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Incoming weights and bias multiplied by the parameter.</summary>
internal sealed class ScaleMode : AblationMode
{
    public override string Key => "scale";

    public override string? ParameterName => "factor";

    public override double DefaultParameter => 0.5;

    public override IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit) => units.Incoming(layer, unit);

    internal override void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        if (OnValues(edits, context, layer, unit)) return;
        var factor = (float)context.Spec.Parameter;
        edits.Scale(new TensorSlice(layer.WeightName, context.Units.IncomingWeights(layer, unit)), factor);
        if (layer.BiasName is not null) edits.Scale(new TensorSlice(edits.PerUnitBias(layer), [unit]), factor);
    }

    public override string Format(ModeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return string.Create(CultureInfo.InvariantCulture, $"scale({spec.Parameter:R})");
    }
}
