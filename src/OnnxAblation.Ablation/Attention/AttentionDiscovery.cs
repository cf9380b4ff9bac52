using OnnxAblation.Ablation.Ops;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Attention;

/// <summary>
/// Finds multi-head attentions: a Softmax whose probabilities multiply the values (MatMul(P, V)). From there the
/// values are traced back, through the head split (Reshape/Transpose) and any Slice/Split of a fused Q/K/V
/// projection, to the layer that computes them; and the context is traced forward, through the head merge
/// (Transpose/Reshape), to the output projection that reads it. Head count and size come from the probed shapes
/// (symbolic batch and sequence axes are fine).
/// </summary>
internal static class AttentionDiscovery
{
    private static readonly HashSet<string> Passing = new(StringComparer.Ordinal) { "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout" };

    public static IReadOnlyList<AttentionHeads> Find(GraphIndex g, IReadOnlyList<Layer> layers, GraphShapes shapes, List<string> notes)
    {
        var found = new List<AttentionHeads>();
        if (shapes.Known is null) return found;
        var byTensor = new Dictionary<string, Layer>(StringComparer.Ordinal);
        foreach (var l in layers)
        {
            byTensor.TryAdd(l.UnitTensor, l);
            byTensor.TryAdd(l.OutputTensor, l);
        }
        var byNode = layers.ToDictionary(l => l.NodeIndex);
        for (int i = 0; i < g.Graph.Node.Count; i++)
        {
            var softmax = g.Node(i);
            if (softmax.OpType != "Softmax") continue;
            string scope = Scope(softmax);
            var mixes = Forward(g, softmax.Output[0]).Where(c => g.Node(c.Node).OpType == "MatMul" && c.Input == 0).ToList();
            if (mixes.Count != 1) continue; // no single P·V: not an attention
            var pv = g.Node(mixes[0].Node);
            string why;
            var value = TraceValues(g, pv.Input[1], byTensor, shapes, out int offset, out why);
            if (value is null)
            {
                notes.Add($"attention '{scope}': heads not exposed: the values could not be traced to a layer ({why})");
                continue;
            }
            long[]? heads = shapes.Of(g, pv.Input[1]);
            if (heads is null || heads.Length < 3)
            {
                notes.Add($"attention '{scope}': heads not exposed: the shape of the per-head values is unknown");
                continue;
            }
            int headSize = (int)heads[^1];
            var output = TraceContext(g, pv.Output[0], byNode, out string? context);
            if (output is null || context is null)
            {
                notes.Add($"attention '{scope}': heads not exposed: the context does not reach an output projection through Transpose/Reshape");
                continue;
            }
            long[]? ctxShape = shapes.Of(g, context);
            if (ctxShape is null || ctxShape.Length == 0 || headSize <= 0 || ctxShape[^1] % headSize != 0)
            {
                notes.Add($"attention '{scope}': heads not exposed: context width {(ctxShape is null ? "unknown" : ctxShape[^1].ToString(System.Globalization.CultureInfo.InvariantCulture))} is not a multiple of the head size {headSize}");
                continue;
            }
            int width = (int)ctxShape[^1];
            if (offset + width > value.UnitCount)
            {
                notes.Add($"attention '{scope}': heads not exposed: values at units {offset}..{offset + width - 1} exceed layer '{value.Name}' ({value.UnitCount} units)");
                continue;
            }
            found.Add(new AttentionHeads
            {
                Scope = scope,
                HeadCount = width / headSize,
                HeadSize = headSize,
                ValueLayer = value.Name,
                ValueOffset = offset,
                OutputLayer = output.Name,
                ContextTensor = context,
            });
        }
        return found;
    }

    private static string Scope(NodeProto node)
    {
        string name = GraphIndex.DisplayName(node);
        int slash = name.LastIndexOf('/');
        return slash > 0 ? name[..slash] : name;
    }

    private static IEnumerable<(int Node, int Input)> Forward(GraphIndex g, string tensor)
    {
        foreach (int c in g.Consumers(tensor))
        {
            var n = g.Node(c);
            if (n.OpType is "Dropout" or "Identity" or "Cast")
            {
                foreach (var x in Forward(g, n.Output[0])) yield return x;
                continue;
            }
            for (int i = 0; i < n.Input.Count; i++)
                if (n.Input[i] == tensor) yield return (c, i);
        }
    }

    /// <summary>Back from the per-head values to the layer computing them; <paramref name="offset"/> = their first unit.</summary>
    private static Layer? TraceValues(GraphIndex g, string tensor, Dictionary<string, Layer> byTensor, GraphShapes shapes, out int offset, out string why)
    {
        offset = 0;
        why = "";
        for (int depth = 0; depth < 32; depth++)
        {
            if (byTensor.TryGetValue(tensor, out var layer)) return layer;
            int p = g.Producer(tensor);
            if (p < 0) { why = $"'{tensor}' is not computed by a layer"; return null; }
            var n = g.Node(p);
            switch (n.OpType)
            {
                case var op when Passing.Contains(op):
                    tensor = n.Input[0];
                    break;
                case "Slice":
                {
                    var input = shapes.Of(g, n.Input[0]);
                    long[]? starts = Ints(g, shapes, n, 1), axes = n.Input.Count > 3 && n.Input[3].Length > 0 ? Ints(g, shapes, n, 3) : [0];
                    long[]? steps = n.Input.Count > 4 && n.Input[4].Length > 0 ? Ints(g, shapes, n, 4) : [1];
                    if (input is null || starts is not [var s] || axes is not [var a] || steps is not [1] || (a != -1 && a != input.Length - 1))
                    {
                        why = $"Slice '{GraphIndex.DisplayName(n)}' is not one slice of the last axis";
                        return null;
                    }
                    offset += (int)(s < 0 ? s + input[^1] : Math.Min(s, input[^1]));
                    tensor = n.Input[0];
                    break;
                }
                case "Split":
                {
                    var input = shapes.Of(g, n.Input[0]);
                    long axis = Attributes.Int(n, "axis", 0);
                    if (input is null || (axis != -1 && axis != input.Length - 1))
                    {
                        why = $"Split '{GraphIndex.DisplayName(n)}' does not split the last axis";
                        return null;
                    }
                    int which = n.Output.IndexOf(tensor);
                    for (int k = 0; k < which; k++)
                    {
                        var before = shapes.Of(g, n.Output[k]);
                        if (before is null) { why = "unknown split sizes"; return null; }
                        offset += (int)before[^1];
                    }
                    tensor = n.Input[0];
                    break;
                }
                default:
                    why = $"{n.OpType} '{GraphIndex.DisplayName(n)}' lies between the values and their layer";
                    return null;
            }
        }
        why = "too many ops between the values and their layer";
        return null;
    }

    private static long[]? Ints(GraphIndex g, GraphShapes shapes, NodeProto n, int input) => shapes.IntegersOf(g, n.Input[input]);

    /// <summary>Forward from P·V through the head merge to the output projection; <paramref name="context"/> = what it reads.</summary>
    private static Layer? TraceContext(GraphIndex g, string tensor, Dictionary<int, Layer> byNode, out string? context)
    {
        context = null;
        for (int depth = 0; depth < 16; depth++)
        {
            var consumers = g.Consumers(tensor);
            if (consumers.Count != 1) return null;
            int c = consumers[0];
            if (byNode.TryGetValue(c, out var layer) && g.Node(c).Input.IndexOf(tensor) != layer.WeightInput)
            {
                context = tensor;
                return layer;
            }
            var n = g.Node(c);
            if (!Passing.Contains(n.OpType) || n.Input[0] != tensor) return null;
            tensor = n.Output[0];
        }
        return null;
    }
}
