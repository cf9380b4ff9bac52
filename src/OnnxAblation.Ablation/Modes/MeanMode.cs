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
        if (layer.Attention is { } heads)
        {
            RewriteHead(edits, context.Units, layer, heads, means[layer.Name], unit);
            return;
        }
        edits.Set(new TensorSlice(layer.WeightName, context.Units.IncomingWeights(layer, unit)), 0f);
        string bias = edits.PerUnitBias(layer);
        float beta = layer.OpType == "Gemm" ? Attributes.Float(edits.Model.Graph.Node[layer.NodeIndex], "beta", 1f) : 1f;
        edits.Set(new TensorSlice(bias, [unit]), (float)(means[layer.Name][unit] / beta));
    }

    /// <summary>
    /// The head's context slice replaced by its mean m over the data: the output projection's weights reading the
    /// slice become 0 and its bias gains what they added for m: C[o] += (α/β)·Σ_f m[f]·W[o, f].
    /// </summary>
    private static void RewriteHead(ModelEdits edits, ModelUnits units, Layer layer, Attention.AttentionHeads heads, double[] contextMeans, int head)
    {
        var output = units[heads.OutputLayer];
        var node = edits.Model.Graph.Node[output.NodeIndex];
        bool gemm = output.OpType == "Gemm";
        float alpha = gemm ? Attributes.Float(node, "alpha", 1f) : 1f, beta = gemm ? Attributes.Float(node, "beta", 1f) : 1f;
        var channels = heads.ContextChannels(head);
        var weights = edits.Read(output.WeightName);
        string bias = edits.PerUnitBias(output);
        for (int o = 0; o < output.UnitCount; o++)
        {
            var incoming = units.IncomingWeights(output, o); // one weight per input feature, in feature order
            double add = 0;
            foreach (int f in channels) add += contextMeans[f] * weights[incoming[f]];
            edits.Add(new TensorSlice(bias, [o]), (float)(alpha / beta * add));
        }
        foreach (var s in units.Outgoing(layer, head)) edits.Set(s, 0f);
    }
}
