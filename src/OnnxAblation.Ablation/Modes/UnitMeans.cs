using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Modes;

/// <summary>
/// Per-unit mean of each layer's pre-activation output over a data set (and over positions: pixels of a channel,
/// tokens of a feature), what mean ablation substitutes; for a layer of attention heads, the mean of every channel of
/// the context the output projection reads (a head's slice is replaced by its mean).
/// </summary>
public sealed class UnitMeans
{
    private readonly Dictionary<string, double[]> _means;

    private UnitMeans(Dictionary<string, double[]> means) => _means = means;

    /// <summary>Means of a layer's units (or, for heads, of its context channels).</summary>
    public double[] this[string layer] => _means.TryGetValue(layer, out var m) ? m
        : throw new AblationException($"no unit means were computed for layer '{layer}'");

    public static UnitMeans Compute(ModelUnits units, IEnumerable<Layer> layers, Dataset data, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(data);
        var wanted = layers.ToList();
        // what to average, per tensor: its channel count and the channels' axis counted from the end
        var tensors = new Dictionary<string, (int Channels, int FromEnd)>(StringComparer.Ordinal);
        string Tensor(Layer l) => l.Attention?.ContextTensor ?? l.OutputTensor;
        foreach (var l in wanted)
            tensors[Tensor(l)] = l.Attention is { } a ? (a.Width, 1) : (l.UnitCount, l.Op.UnitsFromEnd(l.WeightShape, l.WeightInput));
        var sums = tensors.ToDictionary(t => t.Key, t => new double[t.Value.Channels], StringComparer.Ordinal);
        var counts = tensors.ToDictionary(t => t.Key, _ => 0L, StringComparer.Ordinal);
        ActivationProbe.Run(units.Model, data, sums.Keys.ToList(), options, (tensor, _, values, shape) =>
        {
            var sum = sums[tensor];
            var (c, fromEnd) = tensors[tensor];
            int axis = shape.Length - fromEnd;
            if (axis < 0 || shape[axis] != c)
                throw new AblationException($"tensor '{tensor}' of shape [{string.Join(",", shape)}] does not hold its layer's {c} units {fromEnd} axes from the end");
            long inner = shape.Skip(axis + 1).Aggregate(1L, (x, y) => x * y);
            long outer = shape.Take(axis).Aggregate(1L, (x, y) => x * y);
            for (long o = 0; o < outer; o++)
                for (int j = 0; j < c; j++)
                {
                    double s = 0;
                    foreach (float v in values.Slice((int)((o * c + j) * inner), (int)inner)) s += v;
                    sum[j] += s;
                }
            counts[tensor] += outer * inner;
        });
        return new UnitMeans(wanted.ToDictionary(l => l.Name, l => sums[Tensor(l)].Select(s => s / counts[Tensor(l)]).ToArray(), StringComparer.Ordinal));
    }
}
