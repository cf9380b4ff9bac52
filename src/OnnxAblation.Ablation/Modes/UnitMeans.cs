using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Modes;

/// <summary>Per-unit mean of each layer's pre-activation output over a data set (and over positions, for channels): what mean ablation substitutes.</summary>
public sealed class UnitMeans
{
    private readonly Dictionary<string, double[]> _means;

    private UnitMeans(Dictionary<string, double[]> means) => _means = means;

    public double[] this[string layer] => _means.TryGetValue(layer, out var m) ? m
        : throw new AblationException($"no unit means were computed for layer '{layer}'");

    public static UnitMeans Compute(ModelUnits units, IEnumerable<Layer> layers, Dataset data, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(data);
        var wanted = layers.ToList();
        var sums = wanted.ToDictionary(l => l.OutputTensor, l => new double[l.UnitCount], StringComparer.Ordinal);
        var counts = wanted.ToDictionary(l => l.OutputTensor, _ => 0L, StringComparer.Ordinal);
        ActivationProbe.Run(units.Model, data, sums.Keys.ToList(), options, (tensor, _, values, shape) =>
        {
            var sum = sums[tensor];
            int n = (int)shape[0], c = (int)shape[1];
            int inner = (int)(shape.Skip(2).Aggregate(1L, (a, b) => a * b));
            if (c != sum.Length) throw new AblationException($"tensor '{tensor}' has {c} channels, its layer {sum.Length} units");
            for (int i = 0; i < n; i++)
                for (int j = 0; j < c; j++)
                {
                    double s = 0;
                    var row = values.Slice((i * c + j) * inner, inner);
                    foreach (float v in row) s += v;
                    sum[j] += s;
                }
            counts[tensor] += (long)n * inner;
        });
        return new UnitMeans(wanted.ToDictionary(l => l.Name, l => sums[l.OutputTensor].Select(s => s / counts[l.OutputTensor]).ToArray(), StringComparer.Ordinal));
    }
}
