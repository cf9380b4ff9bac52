using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>
/// Read-only lookups over a graph: who produces and who consumes each tensor, which inputs are real
/// (not initializers), a topological order of nodes, constants, and the shapes the model declares.
/// </summary>
public sealed class GraphIndex
{
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TypeProto> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _constant = new(StringComparer.Ordinal);

    private static readonly HashSet<string> NonDeterministic = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    };

    /// <param name="opset">The model's opset of the default (ai.onnx) domain; some ops' defaults depend on it.</param>
    public GraphIndex(GraphProto graph, string source = "<graph>", long opset = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Opset = opset;
        foreach (var t in graph.Initializer) _initializers[t.Name] = t;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            foreach (var o in node.Output)
            {
                if (o.Length == 0) continue;
                if (!_producer.TryAdd(o, i))
                    throw new OnnxFormatException($"{source}: tensor '{o}' is produced by two nodes ('{graph.Node[_producer[o]].Name}' and '{node.Name}')");
            }
            foreach (var inp in node.Input)
            {
                if (inp.Length == 0) continue;
                if (!_consumers.TryGetValue(inp, out var list)) _consumers[inp] = list = new List<int>();
                if (!list.Contains(i)) list.Add(i);
            }
        }
        foreach (var v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (v.Type is not null) _types[v.Name] = v.Type;
        foreach (var o in graph.Output) _graphOutputs.Add(o.Name);
        RealInputs = graph.Input.Where(v => !_initializers.ContainsKey(v.Name)).ToList();
        TopologicalOrder = Sort(graph, source);
    }

    public GraphProto Graph { get; }

    /// <summary>Opset of the default domain (0 when not known).</summary>
    public long Opset { get; }

    /// <summary>Graph inputs that are not initializers: what the data must feed.</summary>
    public IReadOnlyList<ValueInfoProto> RealInputs { get; }

    /// <summary>Node indices in an order where every node comes after its producers.</summary>
    public IReadOnlyList<int> TopologicalOrder { get; }

    public NodeProto Node(int index) => Graph.Node[index];

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    public TensorProto? InitializerOrNull(string name) => _initializers.GetValueOrDefault(name);

    public bool IsGraphOutput(string name) => _graphOutputs.Contains(name);

    /// <summary>Index of the node producing <paramref name="tensor"/>, or -1 for inputs and initializers.</summary>
    public int Producer(string tensor) => _producer.TryGetValue(tensor, out int i) ? i : -1;

    public IReadOnlyList<int> Consumers(string tensor) =>
        _consumers.TryGetValue(tensor, out var l) ? l : (IReadOnlyList<int>)Array.Empty<int>();

    /// <summary>A constant tensor: an initializer or the value of a Constant node.</summary>
    public TensorProto? ConstantOrNull(string name)
    {
        if (_initializers.TryGetValue(name, out var t)) return t;
        int p = Producer(name);
        if (p < 0) return null;
        var node = Graph.Node[p];
        if (node.OpType != "Constant") return null;
        return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
    }

    /// <summary>
    /// True if <paramref name="tensor"/> depends on initializers and constant nodes alone (no graph input reaches
    /// it): an initializer, a Constant, or e.g. Transpose/Identity/Cast of one.
    /// </summary>
    public bool IsConstant(string tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_constant.TryGetValue(tensor, out bool known)) return known;
        _constant[tensor] = false; // a cycle (invalid graph) is not constant
        bool result;
        if (_initializers.ContainsKey(tensor)) result = true;
        else if (Producer(tensor) is int p and >= 0)
        {
            var node = Graph.Node[p];
            result = !NonDeterministic.Contains(node.OpType) && node.Input.All(i => i.Length == 0 || IsConstant(i));
        }
        else result = false;
        _constant[tensor] = result;
        return result;
    }

    /// <summary>Declared shape (from inputs, value_info, outputs); null entries are symbolic or unknown dims.</summary>
    public long?[]? DeclaredShape(string name)
    {
        if (_initializers.TryGetValue(name, out var init)) return init.Dims.Select(d => (long?)d).ToArray();
        if (!_types.TryGetValue(name, out var type) || type.TensorType?.Shape is null) return null;
        return type.TensorType.Shape.Dim.Select(d => d.HasDimValue && d.DimValue > 0 ? d.DimValue : (long?)null).ToArray();
    }

    /// <summary>Display name of a node: its name, else its first output.</summary>
    public static string DisplayName(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Name.Length > 0 ? node.Name : $"{node.OpType}({node.Output.FirstOrDefault()})";
    }

    private static int[] Sort(GraphProto graph, string source)
    {
        var available = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in graph.Input) available.Add(i.Name);
        foreach (var i in graph.Initializer) available.Add(i.Name);
        int n = graph.Node.Count;
        var pending = new int[n];
        var waiting = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var ready = new Queue<int>();
        for (int i = 0; i < n; i++)
        {
            var deps = graph.Node[i].Input.Where(s => s.Length > 0 && !available.Contains(s)).Distinct().ToList();
            pending[i] = deps.Count;
            foreach (var d in deps)
            {
                if (!waiting.TryGetValue(d, out var l)) waiting[d] = l = new List<int>();
                l.Add(i);
            }
            if (deps.Count == 0) ready.Enqueue(i);
        }
        var order = new List<int>(n);
        while (ready.Count > 0)
        {
            int i = ready.Dequeue();
            order.Add(i);
            foreach (var o in graph.Node[i].Output)
            {
                if (!waiting.Remove(o, out var ws)) continue;
                foreach (int w in ws) if (--pending[w] == 0) ready.Enqueue(w);
            }
        }
        if (order.Count != n)
        {
            var missing = waiting.Keys.Where(k => !graph.Node.Any(nd => nd.Output.Contains(k))).Take(3).ToList();
            throw new OnnxFormatException(missing.Count > 0
                ? $"{source}: graph uses tensor(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} that no node, input or initializer provides"
                : $"{source}: graph has a cycle");
        }
        return order.ToArray();
    }
}
