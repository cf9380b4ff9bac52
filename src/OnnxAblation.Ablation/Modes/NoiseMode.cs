using System.Globalization;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Gaussian noise added to the incoming weights, σ = parameter × std of those weights, seeded per unit.</summary>
internal sealed class NoiseMode : AblationMode
{
    public override string Key => "noise";

    public override string? ParameterName => "sigma";

    public override double DefaultParameter => 1.0;

    public override bool UsesSeed => true;

    public override IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit) => units.Incoming(layer, unit);

    internal override void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        if (OnValues(edits, context, layer, unit)) return;
        edits.AddNoise(new TensorSlice(layer.WeightName, context.Units.IncomingWeights(layer, unit)), context.Spec.Parameter,
            Ablator.NoiseSeed(context.Spec.Seed, layer.Position, unit));
    }

    public override string Format(ModeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return string.Create(CultureInfo.InvariantCulture, $"noise({spec.Parameter:R},seed={spec.Seed})");
    }
}
