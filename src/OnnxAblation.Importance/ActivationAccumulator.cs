namespace OnnxAblation.Importance;

/// <summary>Sums one layer's activations batch by batch: per unit, per class, zeros.</summary>
internal sealed class ActivationAccumulator
{
    private readonly int _units;
    private readonly int _classes;
    private readonly bool _channelsAxis1;
    private readonly double[] _sum;
    private readonly double[,] _classSum;
    private readonly int[] _classCount;
    private readonly long[] _zeros;
    private long _positions; // activations per unit so far
    private int _samples;

    /// <param name="channelsAxis1">Units on axis 1 (Conv, NCHW); otherwise on the last axis (Gemm/MatMul).</param>
    public ActivationAccumulator(int units, int classes, bool channelsAxis1)
    {
        _units = units;
        _classes = classes;
        _channelsAxis1 = channelsAxis1;
        _sum = new double[units];
        _classSum = new double[classes, units];
        _classCount = new int[classes];
        _zeros = new long[units];
    }

    public int Samples => _samples;

    public IReadOnlyList<int> ClassCounts => _classCount;

    /// <summary>Adds a batch: <paramref name="shape"/> starts with the batch axis; <paramref name="labels"/> has one label per sample.</summary>
    public void Add(string layer, string tensor, ReadOnlySpan<float> values, IReadOnlyList<long> shape, ReadOnlySpan<int> labels)
    {
        if (shape.Count < 2)
            throw new InvalidOperationException($"layer '{layer}': tensor '{tensor}' has shape [{string.Join(",", shape)}], expected a batch axis and a unit axis");
        int axis = _channelsAxis1 ? 1 : shape.Count - 1;
        if (shape[axis] != _units)
            throw new InvalidOperationException($"layer '{layer}': tensor '{tensor}' has shape [{string.Join(",", shape)}]; axis {axis} should hold its {_units} units");
        int batch = checked((int)shape[0]);
        if (batch != labels.Length)
            throw new InvalidOperationException($"layer '{layer}': tensor '{tensor}' has {batch} samples in a batch of {labels.Length}");
        long outer = 1, inner = 1;
        for (int d = 1; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Count; d++) inner *= shape[d];
        long perSample = outer * _units * inner;
        double positions = outer * inner;
        for (int s = 0; s < batch; s++)
        {
            var sample = values.Slice(checked((int)(s * perSample)), (int)perSample);
            int label = labels[s];
            for (int u = 0; u < _units; u++)
            {
                double acc = 0;
                long zeros = 0;
                for (long o = 0; o < outer; o++)
                {
                    var run = sample.Slice((int)((o * _units + u) * inner), (int)inner);
                    foreach (float v in run)
                    {
                        acc += v;
                        if (v == 0) zeros++;
                    }
                }
                double mean = acc / positions;
                _sum[u] += mean;
                _classSum[label, u] += mean;
                _zeros[u] += zeros;
            }
            _classCount[label]++;
        }
        _samples += batch;
        _positions += (long)(batch * positions);
    }

    public List<UnitActivationMetrics> Finish()
    {
        var result = new List<UnitActivationMetrics>(_units);
        for (int u = 0; u < _units; u++)
        {
            var classMeans = new double[_classes];
            for (int c = 0; c < _classes; c++) classMeans[c] = _classCount[c] > 0 ? _classSum[c, u] / _classCount[c] : double.NaN;
            result.Add(new UnitActivationMetrics(u,
                _samples > 0 ? _sum[u] / _samples : double.NaN,
                _positions > 0 ? _zeros[u] / (double)_positions : double.NaN,
                classMeans,
                ActivationMetrics.Selectivity(classMeans)));
        }
        return result;
    }
}
