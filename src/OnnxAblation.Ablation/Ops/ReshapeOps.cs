using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Reshape, Flatten, Squeeze, Unsqueeze, read from the probed shapes: where the dims before the units' axis keep
/// their product, the axis either survives (units stay, perhaps on a new axis index) or absorbs the dims after it
/// (each unit becomes a block of features, as Flatten before a classifier does). A channel shuffle — Reshape
/// [.., C, ..] → [.., g, C/g, ..], Transpose of those two axes, Reshape back — permutes units. Any other split of
/// the units' axis (attention heads) is not followed.
/// </summary>
internal sealed class ReshapeOps : IOpHandler
{
    public IReadOnlyList<string> OpTypes => ["Reshape", "Flatten", "Squeeze", "Unsqueeze"];

    public void Follow(IUnitFlow flow, NodeProto node, int input, Channels channels)
    {
        string name = GraphIndex.DisplayName(node);
        if (input != 0) { flow.Fail($"they are the shape or axes input of {node.OpType} '{name}'"); return; }
        var x = flow.Shape(node.Input[0]);
        var y = flow.Shape(node.Output[0]);
        if (x is null || y is null) return;
        int a = channels.Axis(x.Length);
        long c = x[a];
        long before = Product(x, 0, a);
        int b = -1;
        for (int i = 0; i < y.Length; i++) if (Product(y, 0, i) == before) b = i;
        if (b < 0) { Fail(); return; }
        if (y[b] == c) { flow.Continue(node.Output[0], channels.On(y.Length - b)); return; }
        if (y[b] > c && y[b] % c == 0)
        {
            // the axis absorbs the next dims: Flatten-like, unit f → features [f·k, (f+1)·k)
            long k = y[b] / c, p = 1;
            for (int m = a + 1; m < x.Length && p < k; m++) p *= x[m];
            if (p == k)
            {
                int block = (int)k;
                flow.Continue(node.Output[0], channels.Map(f => Enumerable.Range(f * block, block), y.Length - b));
                return;
            }
        }
        if (b + 1 < y.Length && y[b] * y[b + 1] == c && Shuffle(flow, node, b, y) is { } shuffled)
        {
            long groups = y[b], per = y[b + 1];
            // channel f = (i, j) with i = f / per, j = f % per; after swapping the two axes it is j·groups + i
            flow.Continue(shuffled.Output, channels.Map(f => [(int)(f % per * groups + f / per)], shuffled.Rank - b));
            return;
        }
        Fail();

        void Fail() => flow.Fail($"{node.OpType} '{name}' turns [{string.Join(",", x)}] into [{string.Join(",", y)}], which splits or mixes the axis that holds them");
    }

    /// <summary>The closing Reshape of a channel shuffle that starts with <paramref name="split"/>, if that is what follows.</summary>
    private static (string Output, int Rank)? Shuffle(IUnitFlow flow, NodeProto split, int b, long[] splitShape)
    {
        var g = flow.Graph;
        var next = g.Consumers(split.Output[0]);
        if (next.Count != 1 || g.Node(next[0]) is not { OpType: "Transpose" } t) return null;
        var perm = Attributes.Ints(t, "perm");
        if (perm is null || perm.Length != splitShape.Length) return null;
        for (int i = 0; i < perm.Length; i++)
            if (perm[i] != (i == b ? b + 1 : i == b + 1 ? b : i)) return null;
        var close = g.Consumers(t.Output[0]);
        if (close.Count != 1 || g.Node(close[0]) is not { OpType: "Reshape" or "Flatten" } r) return null;
        var z = flow.Shape(r.Output[0]);
        if (z is null || b >= z.Length || Product(z, 0, b) != Product(splitShape, 0, b) || z[b] != splitShape[b] * splitShape[b + 1]) return null;
        return (r.Output[0], z.Length);
    }

    private static long Product(long[] dims, int from, int to)
    {
        long p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }
}
