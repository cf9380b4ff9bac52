using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Outgoing weights in every consuming layer set to 0: nothing downstream reads the unit.</summary>
internal sealed class ZeroOutMode : AblationMode
{
    public override string Key => "zero-out";

    public override string? Unavailable(ModelUnits units, Layer layer)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        string? why = ModelInspection.ZeroOutProblem(layer) ?? (units.Consumers(layer).Any() ? null : "no layer reads its units");
        return why is null ? null : $"zero-out unavailable: {why}; zero-in works";
    }

    /// <summary>
    /// On a head, zeroing the output projection's inputs for the head's context channels equals zeroing the head's
    /// value units: the context slice is softmax·0 = 0 exactly, and every product that reaches the projection is 0
    /// either way. On other layers outgoing weights differ from a zeroed tensor wherever the tensor has other readers.
    /// </summary>
    public override bool FastMaskableOn(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.Attention is not null;
    }

    public override IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit) => units.Outgoing(layer, unit);

    public override IEnumerable<TensorSlice>? Held(ModelUnits units, Layer layer, int unit) => units.Outgoing(layer, unit);

    internal override void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        var units = context.Units;
        if (layer.OutgoingMerged)
            throw new AblationException($"zero-out of '{layer.Name}': its units are added to another layer's channels (residual Add) before being read, so zeroing outgoing weights would silence those too; use zero-in");
        if (!units.Consumers(layer).Any())
            throw new AblationException($"zero-out of '{layer.Name}': no layer reads its units (it is the output layer); use zero-in");
        // A unit that a Slice drops reaches no layer: its zero-out rewrites nothing, as zeroing it changes nothing.
        foreach (var s in units.Outgoing(layer, unit)) edits.Set(s, 0f);
    }
}
