using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Units;

/// <summary>
/// Copy-on-write, done once up front: every parameter that an ablation may rewrite (weights and biases of layers,
/// BatchNorm parameters, constant operands of element-wise ops) becomes an initializer of its own, read by that one
/// node input alone. Exporters share tensors (torch de-duplicates identical initializers: untouched BatchNorm γ = 1,
/// zero biases, tied weights), reach them through Identity/Constant aliases, or compute them (Transpose, Reshape,
/// Cast, Unsqueeze of an initializer; ConstantOfShape): such a slot gets a private copy or its folded value, so
/// rewriting it changes no other node. The model computes exactly what it computed before.
/// </summary>
internal static class PrivateParameters
{
    /// <summary>A copy of <paramref name="model"/> with private parameters, and what was done (for inspect).</summary>
    internal static OnnxModel Apply(OnnxModel model, out IReadOnlyList<string> notes)
    {
        var result = model.Clone();
        var graph = result.Graph;
        var g = result.Index();
        var said = new List<string>();
        notes = said;
        var slots = new List<(NodeProto Node, int Input)>();
        foreach (int i in g.TopologicalOrder)
        {
            var node = graph.Node[i];
            foreach (int k in Ops.OpParameters.Rewritable(node))
                if (k < node.Input.Count && node.Input[k].Length > 0 && g.IsConstant(node.Input[k])) slots.Add((node, k));
        }
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node) foreach (var t in n.Input) if (t.Length > 0) uses[t] = uses.GetValueOrDefault(t) + 1;
        foreach (var o in graph.Output) uses[o.Name] = uses.GetValueOrDefault(o.Name) + 1;

        var names = new HashSet<string>(graph.Initializer.Select(t => t.Name).Concat(graph.Node.SelectMany(n => n.Output)), StringComparer.Ordinal);
        string Unique(string baseName)
        {
            string name = baseName;
            for (int i = 1; names.Contains(name); i++) name = $"{baseName}_{i}";
            names.Add(name);
            return name;
        }

        // Computed parameters (aliases, Constant nodes, Transpose of an initializer, ...): folded by ONNX Runtime.
        var computed = slots.Where(s => !g.IsInitializer(s.Node.Input[s.Input])).Select(s => s.Node.Input[s.Input]).Distinct().ToList();
        var folded = ConstantFolder.Fold(result, computed, t => Unique(ValueName(g, t)));
        var copies = new List<(string Original, TensorProto Copy)>();
        int sharedCount = 0;
        var usedFolded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, k) in slots)
        {
            string t = node.Input[k];
            if (g.IsInitializer(t))
            {
                if (uses[t] <= 1) continue;
                var copy = g.InitializerOrNull(t)!.Clone();
                copy.Name = Unique(t + "_copy");
                graph.Initializer.Add(copy);
                copies.Add((t, copy));
                node.Input[k] = copy.Name;
                sharedCount++;
            }
            else if (folded.TryGetValue(t, out var value))
            {
                var copy = value.Clone();
                if (!usedFolded.Add(value.Name)) copy.Name = Unique(value.Name);
                graph.Initializer.Add(copy);
                node.Input[k] = copy.Name;
            }
        }
        if (sharedCount > 0) said.Add($"{sharedCount} parameter inputs read a tensor shared with other nodes: each got its own copy");
        if (folded.Count > 0) said.Add($"{folded.Count} parameters computed from constants (Identity/Constant aliases, Transpose, Reshape, Cast, …) were folded into initializers");
        int notFloat = computed.Count(t => !folded.ContainsKey(t) && g.Consumers(t).Any(c => g.Node(c).OpType is not ("Add" or "Sub" or "Mul" or "Div")));
        if (notFloat > 0) said.Add($"{notFloat} constant parameter tensors are not float and were left as the graph computes them");

        // Initializers nothing reads any more are dropped; a copy whose original is gone takes the original's name back.
        var read = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var dropped = graph.Initializer.Where(x => !read.Contains(x.Name)).Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
            if (dropped.Contains(graph.Initializer[i].Name)) graph.Initializer.RemoveAt(i);
        foreach (var (original, copy) in copies)
        {
            if (!dropped.Remove(original)) continue;
            string old = copy.Name;
            copy.Name = original;
            foreach (var n in graph.Node)
                for (int k = 0; k < n.Input.Count; k++) if (n.Input[k] == old) n.Input[k] = original;
        }
        // IR < 4 lists initializers as graph inputs; ONNX Runtime then treats them as overridable (no constant folding).
        var initNames = graph.Initializer.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        int listed = graph.Input.Count(v => initNames.Contains(v.Name) || dropped.Contains(v.Name));
        if (listed > 0)
        {
            for (int i = graph.Input.Count - 1; i >= 0; i--)
                if (initNames.Contains(graph.Input[i].Name) || dropped.Contains(graph.Input[i].Name)) graph.Input.RemoveAt(i);
            if (result.Proto.IrVersion < 4) result.Proto.IrVersion = 4;
            said.Add($"{listed} initializers listed as graph inputs (IR < 4 style) are treated as constants");
        }
        return result;
    }

    /// <summary>A readable name for a folded parameter: its initializer and the op that made it (W_Transpose), else the tensor's own name.</summary>
    private static string ValueName(GraphIndex g, string tensor)
    {
        int p = g.Producer(tensor);
        if (p < 0) return tensor + "_value";
        var node = g.Node(p);
        return node.Input.Count > 0 && g.IsInitializer(node.Input[0]) ? $"{node.Input[0]}_{node.OpType}" : tensor + "_value";
    }

}
