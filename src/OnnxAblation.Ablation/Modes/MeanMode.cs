using OnnxAblation.Ablation.Ops;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Incoming weights set to 0 and bias set to the unit's mean pre-activation over the data set (mean ablation).</summary>
internal sealed class MeanMode : AblationMode
{
    public override string Key => "mean";

    public override bool NeedsUnitMeans => true;

    public override IEnumerable<TensorSlice> Touched(ModelUnits units, Layer layer, int unit) => units.Incoming(layer, unit);

    internal override void Rewrite(ModelEdits edits, ModeRewrite context, Layer layer, int unit)
    {
        var means = context.Means ?? throw new AblationException("mean ablation needs unit means computed on the data");
        edits.Set(new TensorSlice(layer.WeightName, context.Units.IncomingWeights(layer, unit)), 0f);
        string bias = edits.PerUnitBias(layer);
        float beta = layer.OpType == "Gemm" ? Attributes.Float(edits.Model.Graph.Node[layer.NodeIndex], "beta", 1f) : 1f;
        edits.Set(new TensorSlice(bias, [unit]), (float)(means[layer.Name][unit] / beta));
    }
}
