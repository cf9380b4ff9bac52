using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Importance;

/// <summary>
/// Activation statistics of units from one pass over a data set: mean activation, APoZ (average percentage of zeros),
/// class-conditional means and the class-selectivity index of Morcos et al. (2018).
/// </summary>
public static class ActivationMetrics
{
    /// <summary>
    /// Runs <paramref name="data"/> once and reads, for each layer, the output of the Relu that consumes the layer's
    /// <see cref="Layer.UnitTensor"/> when exactly one node consumes it and that node is a Relu, else the unit tensor itself
    /// (<see cref="LayerActivationMetrics.Source"/> says which). Conv/ConvTranspose units are channels (axis 1, a sample's
    /// activation is the channel's spatial mean); Gemm/MatMul units are the last axis (means over any axes in between).
    /// </summary>
    public static IReadOnlyList<LayerActivationMetrics> Compute(ModelUnits units, IEnumerable<Layer> layers, Dataset data, InferenceOptions options, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var list = layers.ToList();
        if (list.Count == 0) return [];
        var index = units.Model.Index();
        var plan = new List<(Layer Layer, string Tensor, string Source, ActivationAccumulator Acc)>();
        foreach (var layer in list)
        {
            if (!units.Contains(layer.Name) || !ReferenceEquals(units[layer.Name], layer))
                throw new ArgumentException($"layer '{layer.Name}' does not belong to the units of {units.Model.Source}");
            var (tensor, source) = ActivationTensor(index, layer);
            plan.Add((layer, tensor, source, new ActivationAccumulator(layer.UnitCount, data.ClassCount, layer.OpType is "Conv" or "ConvTranspose")));
        }
        var tensors = plan.Select(p => p.Tensor).Distinct(StringComparer.Ordinal).ToList();
        ActivationProbe.Run(units.Model, data, tensors, options, (name, start, values, shape) =>
        {
            var labels = data.Labels.AsSpan(start, checked((int)shape[0]));
            foreach (var p in plan)
                if (p.Tensor == name) p.Acc.Add(p.Layer.Name, name, values, shape, labels);
        }, progress);
        return plan.Select(p => new LayerActivationMetrics(p.Layer.Name, p.Tensor, p.Source, p.Acc.Samples,
            data.ClassNames, p.Acc.ClassCounts.ToArray(), p.Acc.Finish())).ToList();
    }

    /// <summary>
    /// Class-selectivity index (Morcos et al. 2018): (μmax − μ−max)/(μmax + μ−max), μmax the highest class-conditional
    /// mean, μ−max the mean of the other classes' means. Classes with NaN means (no samples) are left out; 0/0 gives 0;
    /// NaN with fewer than two classes. In [0, 1] for non-negative (post-ReLU) activations.
    /// </summary>
    public static double Selectivity(IReadOnlyList<double> classMeans)
    {
        ArgumentNullException.ThrowIfNull(classMeans);
        var m = classMeans.Where(v => !double.IsNaN(v)).ToList();
        if (m.Count < 2) return double.NaN;
        int best = 0;
        for (int i = 1; i < m.Count; i++) if (m[i] > m[best]) best = i;
        double max = m[best];
        double rest = 0;
        for (int i = 0; i < m.Count; i++) if (i != best) rest += m[i];
        rest /= m.Count - 1;
        double num = max - rest, den = max + rest;
        if (num == 0) return 0;
        return den == 0 ? double.NaN : num / den;
    }

    internal static (string Tensor, string Source) ActivationTensor(Onnx.GraphIndex index, Layer layer)
    {
        var consumers = index.Consumers(layer.UnitTensor);
        if (consumers.Count == 1 && !index.IsGraphOutput(layer.UnitTensor) && index.Node(consumers[0]) is { OpType: "Relu" } relu)
            return (relu.Output[0], "relu-output");
        return (layer.UnitTensor, "unit-tensor");
    }
}
