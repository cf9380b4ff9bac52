using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// What a model costs in memory, from the tensor shapes discovery probed: per sample, the bytes of every tensor its
/// nodes produce (an upper bound of what ONNX Runtime holds per sample in one run: its planner reuses buffers, so
/// the real peak is lower), and the bytes of its weights. The memory budget turns these into samples per run.
/// </summary>
public static class MemoryEstimate
{
    /// <summary>Bytes of every tensor the model's nodes produce, per sample (4 bytes a value); null when shapes are unknown.</summary>
    public static long? ActivationBytesPerSample(ModelUnits units)
    {
        ArgumentNullException.ThrowIfNull(units);
        return Sum(units, _ => true);
    }

    /// <summary>Bytes of the model's initializers (what each session holds, before ONNX Runtime's pre-packed copies).</summary>
    public static long WeightBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Graph.Initializer.Sum(t => TensorCodec.ElementCount(t) * sizeof(float));
    }

    /// <summary>Per sample: bytes of the tensors produced before the cut after <paramref name="layer"/> (the prefix) and after it (the suffix, per row).</summary>
    internal static (long Prefix, long Suffix)? CutBytesPerSample(ModelUnits units, Layer layer)
    {
        var prefix = GraphCut.PrefixNodes(units.Model.Index(), layer.UnitTensor);
        long? before = Sum(units, prefix.Contains);
        long? after = Sum(units, i => !prefix.Contains(i));
        return before is long b && after is long a ? (b, a) : null;
    }

    private static long? Sum(ModelUnits units, Func<int, bool> node)
    {
        if (units.Shapes.Known is null) return null;
        var g = units.Model.Index();
        long total = 0;
        for (int i = 0; i < units.Model.Graph.Node.Count; i++)
        {
            if (!node(i)) continue;
            foreach (string t in units.Model.Graph.Node[i].Output)
                if (t.Length > 0 && units.Shapes.Known.TryGetValue(t, out var shape))
                    total += shape.Aggregate(1L, (a, d) => a * Math.Max(1, d)) * sizeof(float) / Math.Max(1, units.Shapes.Batch);
        }
        return total;
    }
}
