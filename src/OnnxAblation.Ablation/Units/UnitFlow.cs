using OnnxAblation.Ablation.Ops;
using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Units;

/// <summary>
/// Follows one layer's units from its unit tensor through the graph, op by op (each op's handler in
/// <see cref="OpRegistry"/> says where they go), to the layers that read them: what zero-out rewrites.
/// </summary>
internal sealed class UnitFlow(GraphIndex graph, IReadOnlyDictionary<int, Layer> layerAt, GraphShapes shapes) : IUnitFlow
{
    private readonly Dictionary<int, int[][]> _found = new();
    private readonly HashSet<(string, int, bool)> _seen = new();
    private readonly Stack<(string Tensor, Channels Channels, bool Merged)> _pending = new();
    private bool _merged;

    public GraphIndex Graph => graph;

    public string? Problem { get; private set; }

    public bool Merged { get; private set; }

    /// <summary>The op type and node where following stopped first (with <see cref="Problem"/>).</summary>
    public (string OpType, string Node)? StoppedAt { get; private set; }

    private global::Onnx.NodeProto? _current;

    public bool ReachesOutput { get; private set; }

    /// <summary>Consuming layer nodes, each with the input features every unit feeds.</summary>
    public IReadOnlyDictionary<int, int[][]> Found => _found;

    public void Run(string tensor, Channels channels)
    {
        Continue(tensor, channels);
        while (_pending.Count > 0)
        {
            var (t, ch, merged) = _pending.Pop();
            _merged = merged;
            if (graph.IsGraphOutput(t)) ReachesOutput = true;
            foreach (int ci in graph.Consumers(t))
            {
                var node = graph.Node(ci);
                _current = node;
                for (int input = 0; input < node.Input.Count; input++)
                {
                    if (node.Input[input] != t) continue;
                    if (layerAt.TryGetValue(ci, out var layer))
                    {
                        string? why = layer.Op.Reads(node, layer.WeightShape, layer.WeightInput, input, ch);
                        if (why is not null) { Fail(why); continue; }
                        Merged |= merged;
                        Add(ci, ch.Features);
                    }
                    else if (OpRegistry.For(node.OpType) is { } handler) handler.Follow(this, node, input, ch);
                    else Fail($"they flow into {node.OpType} '{GraphIndex.DisplayName(node)}', an op the unit mapping does not know");
                }
            }
        }
    }

    public long[]? Shape(string tensor)
    {
        if (graph.InitializerOrNull(tensor) is { } init) return init.Dims.ToArray();
        if (shapes.Known is not null && shapes.Known.TryGetValue(tensor, out var s)) return s;
        Fail(shapes.Problem ?? $"the shape of '{tensor}' is unknown");
        return null;
    }

    public long[]? Integers(string tensor) => shapes.IntegersOf(graph, tensor);

    public void Continue(string tensor, Channels channels, bool merged = false)
    {
        bool m = _merged || merged;
        if (_seen.Add((tensor, channels.Key(), m))) _pending.Push((tensor, channels, m));
    }

    public void Fail(string why)
    {
        if (Problem is not null) return;
        Problem = "units' outputs cannot be followed: " + why;
        if (_current is not null) StoppedAt = (_current.OpType, GraphIndex.DisplayName(_current));
    }

    public void ReachOutput() => ReachesOutput = true;

    private void Add(int node, int[][] features)
    {
        if (!_found.TryGetValue(node, out var have)) { _found[node] = features; return; }
        _found[node] = have.Zip(features, (a, b) => a.Union(b).ToArray()).ToArray();
    }
}
