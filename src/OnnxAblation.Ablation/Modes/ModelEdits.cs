using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Modes;

/// <summary>The rewrites of one ablation: decodes each touched initializer once, edits it, and writes it back once (at <see cref="Commit"/>).</summary>
internal sealed class ModelEdits(OnnxModel model)
{
    /// <summary>The copy being rewritten.</summary>
    public OnnxModel Model => model;

    private readonly Dictionary<string, float[]> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _biasOf = new(StringComparer.Ordinal);
    private readonly List<(int After, NodeProto Node)> _newNodes = new();

    private float[] Values(string tensor)
    {
        if (!_values.TryGetValue(tensor, out var v)) _values[tensor] = v = model.GetInitializer(tensor);
        return v;
    }

    public void Set(TensorSlice s, float value)
    {
        var v = Values(s.Tensor);
        foreach (int i in s.Indices) v[i] = value;
    }

    /// <summary>The current values of a tensor (edits so far included); not to be modified.</summary>
    public float[] Read(string tensor) => Values(tensor);

    public void Add(TensorSlice s, float value)
    {
        var v = Values(s.Tensor);
        foreach (int i in s.Indices) v[i] += value;
    }

    public void Scale(TensorSlice s, float factor)
    {
        var v = Values(s.Tensor);
        foreach (int i in s.Indices) v[i] *= factor;
    }

    public void AddNoise(TensorSlice s, double sigmaRelative, int seed)
    {
        var v = Values(s.Tensor);
        double mean = s.Indices.Average(i => (double)v[i]);
        double std = Math.Sqrt(s.Indices.Average(i => (v[i] - mean) * (v[i] - mean)));
        var rng = new Random(seed);
        foreach (int i in s.Indices)
        {
            // Box–Muller: one standard normal per weight
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            v[i] += (float)(z * sigmaRelative * std);
        }
    }

    /// <summary>Name of a bias with one value per unit, creating one (or expanding a broadcast one) where needed.</summary>
    public string PerUnitBias(Layer layer)
    {
        if (_biasOf.TryGetValue(layer.Name, out var made)) return made;
        string bias = MakePerUnitBias(layer);
        _biasOf[layer.Name] = bias;
        return bias;
    }

    private string MakePerUnitBias(Layer layer)
    {
        var graph = model.Graph;
        var node = graph.Node[layer.NodeIndex];
        if (layer.BiasName is { } existing)
        {
            var current = Values(existing);
            if (current.Length == layer.UnitCount) return existing;
            _values[existing] = Enumerable.Repeat(current[0], layer.UnitCount).ToArray();
            var t = model.Initializer(existing);
            t.Dims.Clear();
            t.Dims.Add(layer.UnitCount);
            return existing;
        }
        string name = UniqueName(graph, layer.Name + ".ablation_bias");
        // one value per unit on the units' axis: [N] for X·W, [M, 1] for W·X
        long[] dims = layer.WeightInput == 0 ? [layer.UnitCount, 1] : [layer.UnitCount];
        graph.Initializer.Add(TensorCodec.Create(name, dims, new float[layer.UnitCount]));
        if (layer.OpType == "MatMul")
        {
            string raw = UniqueName(graph, node.Output[0] + ".pre_bias");
            string output = node.Output[0];
            node.Output[0] = raw;
            var add = new NodeProto { OpType = "Add", Name = UniqueName(graph, layer.Name + ".ablation_bias_add") };
            add.Input.Add(raw);
            add.Input.Add(name);
            add.Output.Add(output);
            _newNodes.Add((layer.NodeIndex, add)); // inserted at Commit, so node indices stay valid until then
        }
        else
        {
            while (node.Input.Count < 2) node.Input.Add("");
            if (node.Input.Count == 2) node.Input.Add(name); else node.Input[2] = name;
        }
        return name;
    }

    public void Commit()
    {
        foreach (var (tensor, values) in _values) model.SetInitializer(tensor, values);
        foreach (var (after, node) in _newNodes.OrderByDescending(n => n.After)) model.Graph.Node.Insert(after + 1, node);
    }

    private static string UniqueName(GraphProto g, string baseName)
    {
        var used = g.Initializer.Select(t => t.Name).Concat(g.Node.SelectMany(n => n.Output)).Concat(g.Node.Select(n => n.Name)).ToHashSet(StringComparer.Ordinal);
        string name = baseName;
        for (int i = 1; used.Contains(name); i++) name = baseName + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return name;
    }
}
