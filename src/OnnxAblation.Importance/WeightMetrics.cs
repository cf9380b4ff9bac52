using MathNet.Numerics.Random;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;

namespace OnnxAblation.Importance;

/// <summary>
/// Per-unit weight statistics and the Mann-Whitney test of Meyes et al. (2019): do a unit's trained incoming weights
/// differ in distribution from its initial ones?
/// </summary>
public static class WeightMetrics
{
    /// <summary>
    /// Metrics of every unit of <paramref name="layer"/>. With <paramref name="init"/> (the same graph with its initial
    /// weights) the trained incoming weights are tested against the same elements of the init model's initializer of the
    /// same name. Without it, against PyTorch's default initialisation of Linear/Conv weights, kaiming_uniform(a=√5),
    /// i.e. U(−b, b) with b = 1/√fan_in (<see cref="WeightMetricsOptions.Uniform"/> says how).
    /// </summary>
    /// <exception cref="ArgumentException">The init model lacks the layer's weight or it has another size.</exception>
    public static LayerWeightMetrics Compute(ModelUnits units, Layer layer, OnnxModel? init, WeightMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        options ??= new WeightMetricsOptions();
        var model = units.Model;
        float[] w = model.GetInitializer(layer.WeightName);
        float[]? w0 = null;
        if (init is not null)
        {
            if (!init.HasInitializer(layer.WeightName))
                throw new ArgumentException($"init model {init.Source} has no initializer '{layer.WeightName}' (weight of layer '{layer.Name}'); it must be the same graph as {model.Source} with its initial weights");
            w0 = init.GetInitializer(layer.WeightName);
            if (w0.Length != w.Length)
                throw new ArgumentException($"init model {init.Source}: initializer '{layer.WeightName}' has {w0.Length} elements, the trained model's has {w.Length}; not the same graph");
        }
        int fanIn = FanIn(units, layer);
        double b = 1 / Math.Sqrt(fanIn);
        string bText = b.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
        string reference = w0 is not null ? "init-model"
            : options.Uniform == UniformReference.Analytic ? $"pytorch-default-uniform(b={bText},analytic)"
            : $"pytorch-default-uniform(b={bText},sampled,seed={options.Seed})";

        double threshold = options.NearZeroRelative * MaxAbs(w);
        var tensorCache = new Dictionary<string, (float[] Values, double Threshold)>(StringComparer.Ordinal);
        string? outgoingProblem = OutgoingProblem(units, layer);
        var result = new List<UnitWeightMetrics>(layer.UnitCount);
        for (int unit = 0; unit < layer.UnitCount; unit++)
        {
            int[] idx = units.IncomingWeights(layer, unit);
            var trained = new double[idx.Length];
            for (int i = 0; i < idx.Length; i++) trained[i] = w[idx[i]];
            var incoming = WeightStats.Of(trained, threshold);

            WeightStats outgoing = WeightStats.Missing;
            string? note = outgoingProblem;
            if (outgoingProblem is null)
            {
                (outgoing, note) = Outgoing(units, layer, unit, tensorCache, options.NearZeroRelative);
            }

            MannWhitneyResult change;
            if (w0 is not null)
            {
                var initial = new double[idx.Length];
                for (int i = 0; i < idx.Length; i++) initial[i] = w0[idx[i]];
                change = MannWhitney.Test(trained, initial);
            }
            else if (options.Uniform == UniformReference.Analytic)
                change = MannWhitney.AgainstUniform(trained, -b, b);
            else
            {
                var rng = new MersenneTwister(options.Seed);
                var draws = new double[idx.Length];
                for (int i = 0; i < draws.Length; i++) draws[i] = -b + 2 * b * rng.NextDouble();
                change = MannWhitney.Test(trained, draws);
            }
            result.Add(new UnitWeightMetrics(unit, incoming, outgoing, note, change));
        }
        return new LayerWeightMetrics(layer.Name, layer.WeightName, reference, fanIn, result);
    }

    /// <summary>Metrics of every hidden layer (<see cref="ModelUnits.HiddenLayers"/>).</summary>
    public static IReadOnlyList<LayerWeightMetrics> ComputeHidden(ModelUnits units, OnnxModel? init, WeightMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        return units.HiddenLayers.Select(l => Compute(units, l, init, options)).ToList();
    }

    /// <summary>
    /// fan_in as torch.nn.init computes it: size(1) × receptive field for Conv ([out, in/groups, k…]) and ConvTranspose
    /// ([in, out/groups, k…]: PyTorch's quirk), the number of inputs of a unit for Gemm/MatMul.
    /// </summary>
    internal static int FanIn(ModelUnits units, Layer layer)
    {
        if (layer.OpType is "Conv" or "ConvTranspose" && layer.WeightShape.Count >= 2)
            return checked((int)layer.WeightShape.Skip(1).Aggregate(1L, (a, d) => a * d));
        return units.IncomingWeights(layer, 0).Length;
    }

    private static string? OutgoingProblem(ModelUnits units, Layer layer)
    {
        if (layer.OutgoingProblem is not null) return layer.OutgoingProblem;
        if (!units.Consumers(layer).Any())
            return layer.IsOutputLayer ? "output layer: its units feed no other layer" : "no layer reads this layer's units";
        return null;
    }

    private static (WeightStats, string?) Outgoing(ModelUnits units, Layer layer, int unit,
        Dictionary<string, (float[] Values, double Threshold)> cache, double relative)
    {
        var values = new List<double>();
        double threshold = double.NaN;
        bool mixed = false;
        foreach (var slice in units.Outgoing(layer, unit))
        {
            if (!cache.TryGetValue(slice.Tensor, out var t))
            {
                var v = units.Model.GetInitializer(slice.Tensor);
                t = (v, relative * MaxAbs(v));
                cache[slice.Tensor] = t;
            }
            if (!double.IsNaN(threshold) && threshold != t.Threshold) mixed = true;
            threshold = t.Threshold;
            foreach (int i in slice.Indices) values.Add(t.Values[i]);
        }
        if (values.Count == 0) return (WeightStats.Missing, "no outgoing weights found");
        var stats = mixed ? NearZeroPerTensor(units, layer, unit, cache, values) : WeightStats.Of(values, threshold);
        string? note = layer.OutgoingMerged
            ? "outgoing weights pass a residual Add: they also carry another layer's channel"
            : mixed ? "several consumer tensors: near-zero threshold taken per tensor (NearZeroThreshold is NaN)" : null;
        return (stats, note);
    }

    private static WeightStats NearZeroPerTensor(ModelUnits units, Layer layer, int unit,
        Dictionary<string, (float[] Values, double Threshold)> cache, List<double> values)
    {
        int near = 0;
        foreach (var slice in units.Outgoing(layer, unit))
        {
            var t = cache[slice.Tensor];
            foreach (int i in slice.Indices) if (Math.Abs(t.Values[i]) < t.Threshold) near++;
        }
        return WeightStats.Of(values, 0) with { NearZeroFraction = near / (double)values.Count, NearZeroThreshold = double.NaN };
    }

    private static double MaxAbs(float[] v)
    {
        double m = 0;
        foreach (float x in v) m = Math.Max(m, Math.Abs((double)x));
        return m;
    }
}
