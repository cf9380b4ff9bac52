using OnnxAblation.Ablation.Ops;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Multiply-adds per sample of every node, as its op handler in <see cref="OpRegistry"/> counts them (Conv,
/// ConvTranspose, Gemm and MatMul, including products of two activations; element-wise ops, pooling and
/// normalisation count 0: they are a few percent of these nets' work). FLOPs = 2 × MACs.
/// </summary>
public sealed class FlopCounter
{
    private readonly Dictionary<int, double> _macs = new();
    private readonly ModelUnits _units;

    /// <param name="sampleShape">Used only when discovery could not probe the shapes (symbolic input, no data).</param>
    public FlopCounter(ModelUnits units, IReadOnlyList<int>? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        _units = units;
        var g = units.Model.Index();
        var shapes = units.Shapes.Known is null && sampleShape is not null ? GraphShapes.Probe(units.Model, g, sampleShape) : units.Shapes;
        if (shapes.Known is null)
            throw new AblationException($"{units.Model.Source}: cannot count multiply-adds: {shapes.Problem}");
        for (int i = 0; i < units.Model.Graph.Node.Count; i++)
        {
            var node = g.Node(i);
            if (OpRegistry.For(node.OpType) is not { } handler) continue;
            double macs = handler.Macs(node, t => shapes.Of(g, t));
            if (macs > 0) _macs[i] = macs / shapes.Batch;
        }
    }

    /// <summary>Multiply-adds of one sample's full forward pass.</summary>
    public double TotalMacs => _macs.Values.Sum();

    /// <summary>Multiply-adds of one sample after the cut at the layer's unit tensor (what an ablation of it must recompute).</summary>
    public double SuffixMacs(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var prefix = GraphCut.PrefixNodes(_units.Model.Index(), layer.UnitTensor);
        return _macs.Where(kv => !prefix.Contains(kv.Key)).Sum(kv => kv.Value);
    }

    /// <summary>Multiply-adds per sample of the layer's linear first consumer (<see cref="LinearConsumer"/>), or 0 when it has none.</summary>
    public double LinearConsumerMacs(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var g = _units.Model.Index();
        if (LinearConsumer.Find(g, layer.UnitTensor) is not { } lc) return 0;
        int node = g.Producer(lc.Output);
        return _macs.GetValueOrDefault(node);
    }

    /// <summary>
    /// Multiply-adds per sample and ablated unit that the fast path does after the cut, as it plans the layer with
    /// <paramref name="options"/>: the suffix after the linear consumer plus the consumer's share of one unit where the
    /// linear update applies, else <see cref="SuffixMacs"/>.
    /// </summary>
    public double FastSuffixMacs(Layer layer, FastOptions options)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        double consumer = LinearConsumerMacs(layer);
        if (!options.LinearUpdate || consumer < options.LinearUpdateMinMacs || consumer == 0) return SuffixMacs(layer);
        var lc = LinearConsumer.Find(_units.Model.Index(), layer.UnitTensor)!;
        var prefix = GraphCut.PrefixNodes(_units.Model.Index(), lc.Output);
        return _macs.Where(kv => !prefix.Contains(kv.Key)).Sum(kv => kv.Value) + consumer / Math.Max(1, layer.ChannelCount);
    }

    /// <summary>Multiply-adds of one sample up to and including the layer (computed once per sweep of the layer).</summary>
    public double PrefixMacs(Layer layer) => TotalMacs - SuffixMacs(layer);
}
