using OnnxAblation.Ablation.Rewriters;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Multiply-adds per sample of the weight-bearing nodes (Conv, ConvTranspose, Gemm, MatMul); element-wise ops,
/// pooling and normalisation are not counted (they are a few percent of these nets' work). FLOPs = 2 × MACs.
/// </summary>
public sealed class FlopCounter
{
    private readonly Dictionary<int, double> _macs = new();
    private readonly ModelUnits _units;

    public FlopCounter(ModelUnits units, IReadOnlyList<int> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(units);
        _units = units;
        var g = units.Model.Index();
        var nodes = Enumerable.Range(0, units.Model.Graph.Node.Count)
            .Where(i => g.Node(i).OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul").ToList();
        var tensors = nodes.SelectMany(i => new[] { g.Node(i).Input[0], g.Node(i).Output[0] })
            .Where(t => !g.IsInitializer(t)).Distinct().ToList();
        var shapes = ActivationProbe.Shapes(units.Model, tensors, sampleShape, new InferenceOptions { Threads = 1 });
        foreach (int i in nodes)
        {
            var n = g.Node(i);
            var w = g.InitializerOrNull(n.Input[1])?.Dims.ToArray() ?? shapes.GetValueOrDefault(n.Input[1]);
            var output = shapes.GetValueOrDefault(n.Output[0]);
            var input = shapes.GetValueOrDefault(n.Input[0]) ?? g.InitializerOrNull(n.Input[0])?.Dims.ToArray();
            if (w is null || output is null || input is null) continue;
            double Prod(IEnumerable<long> s) => s.Aggregate(1.0, (a, b) => a * b);
            _macs[i] = n.OpType switch
            {
                "Conv" => Prod(output) * Prod(w.Skip(1)),
                "ConvTranspose" => Prod(input) * Prod(w.Skip(1)),
                "Gemm" => Prod(output) * (Attributes.Int(n, "transA", 0) != 0 ? input[0] : input[^1]),
                _ => Prod(output) * input[^1],
            };
        }
    }

    /// <summary>Multiply-adds of one sample's full forward pass.</summary>
    public double TotalMacs => _macs.Values.Sum();

    /// <summary>Multiply-adds of one sample after the cut at the layer's unit tensor (what an ablation of it must recompute).</summary>
    public double SuffixMacs(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var prefix = GraphCut.Ancestors(_units.Model.Index(), layer.UnitTensor);
        return _macs.Where(kv => !prefix.Contains(kv.Key)).Sum(kv => kv.Value);
    }

    /// <summary>Multiply-adds of one sample up to and including the layer (computed once per sweep of the layer).</summary>
    public double PrefixMacs(Layer layer) => TotalMacs - SuffixMacs(layer);
}
