using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>Slice with constant bounds: along the units' axis the kept indices are renumbered and the others dropped; along other axes units stay.</summary>
internal sealed class SliceOp : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Slice"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        string name = GraphIndex.DisplayName(node);
        if (input != 0) { flow.Fail($"they are a bound of Slice '{name}'"); return; }
        var x = flow.Shape(node.Input[0]);
        if (x is null) return;
        long[]? starts = Values(flow, node, 1, "starts"), ends = Values(flow, node, 2, "ends");
        long[]? axes = Values(flow, node, 3, "axes"), steps = Values(flow, node, 4, "steps");
        if (starts is null || ends is null) { flow.Fail($"Slice '{name}' has bounds computed from the data"); return; }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        int axis = channels.Axis(x.Length);
        int k = Array.FindIndex(axes, a => (a < 0 ? a + x.Length : a) == axis);
        if (k < 0) { flow.Continue(node.Output[0], channels); return; }
        long size = x[axis], step = steps is null ? 1 : steps[k];
        if (step == 0) { flow.Fail($"Slice '{name}' has step 0"); return; }
        long Clamp(long v, long lo, long hi) => Math.Max(lo, Math.Min(hi, v < 0 ? v + size : v));
        long start = step > 0 ? Clamp(starts[k], 0, size) : Clamp(starts[k], -1, size - 1);
        long end = step > 0 ? Clamp(ends[k], 0, size) : Clamp(ends[k], -1, size - 1);
        var newIndex = new Dictionary<int, int>();
        for (long i = start, j = 0; step > 0 ? i < end : i > end; i += step, j++) newIndex[(int)i] = (int)j;
        var kept = channels.Map(f => newIndex.TryGetValue(f, out int j) ? [j] : []);
        if (!kept.IsEmpty) flow.Continue(node.Output[0], kept);
    }

    /// <summary>Constant input <paramref name="index"/> (opset ≥ 10) or the attribute (opset &lt; 10).</summary>
    private static long[]? Values(IUnitFlow flow, NodeProto node, int index, string attribute)
    {
        if (Attributes.Ints(node, attribute) is { } a) return a;
        if (node.Input.Count <= index || node.Input[index].Length == 0) return null;
        return flow.Integers(node.Input[index]);
    }
}
