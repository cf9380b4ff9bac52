using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Units;

/// <summary>
/// Every ablatable layer of a model with its units and what is coupled to each unit:
/// incoming weights, bias, a following BatchNorm's per-channel parameters, and outgoing weights.
/// </summary>
public sealed class ModelUnits
{
    private readonly Dictionary<string, Layer> _byName;
    private readonly Dictionary<string, IReadOnlyDictionary<int, int[][]>> _outgoing;

    internal ModelUnits(OnnxModel model, IReadOnlyList<Layer> layers, IReadOnlyList<UnmappedNode> problems,
        Dictionary<string, IReadOnlyDictionary<int, int[][]>> outgoing, IReadOnlyList<string> notes, GraphShapes shapes,
        IReadOnlyList<Layer>? headLayers = null)
    {
        Model = model;
        Layers = layers;
        HeadLayers = headLayers ?? [];
        Unmapped = problems;
        Notes = notes;
        Shapes = shapes;
        _outgoing = outgoing;
        _byName = layers.Concat(HeadLayers).ToDictionary(l => l.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// The model the layers index into: the loaded model with every rewritable parameter made private (see
    /// <see cref="PrivateParameters"/>); it computes exactly what the loaded model computes.
    /// </summary>
    public OnnxModel Model { get; }

    /// <summary>What discovery did to the graph and learned about it (shared tensors copied, constants folded, shapes).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Tensor shapes probed with one batch (or why they are unknown).</summary>
    internal GraphShapes Shapes { get; }

    /// <summary>Ablatable layers in graph order.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>
    /// One layer per multi-head attention whose units are its heads (named <c>SCOPE/heads</c>); not in
    /// <see cref="Layers"/>, so default sweeps stay over weight layers; name them (or use the head options) to study heads.
    /// </summary>
    public IReadOnlyList<Layer> HeadLayers { get; }

    /// <summary>Transformer sub-blocks (attention, MLP), each ablated by ablating every unit of its output layer.</summary>
    public IReadOnlyList<Attention.TransformerBlock> Blocks => _blocks ??= Attention.BlockDiscovery.Find(this);

    private IReadOnlyList<Attention.TransformerBlock>? _blocks;

    /// <summary>Weight-bearing nodes that are not ablatable layers, each with the reason.</summary>
    public IReadOnlyList<UnmappedNode> Unmapped { get; }

    /// <summary><see cref="Unmapped"/> as lines.</summary>
    public IReadOnlyList<string> Problems => Unmapped.Select(u => u.ToString()).ToList();

    /// <summary>Layers whose units are hidden (not the classifier): the default for studies.</summary>
    public IEnumerable<Layer> HiddenLayers => Layers.Where(l => !l.IsOutputLayer);

    public Layer this[string name] => _byName.TryGetValue(name, out var l) ? l
        : throw new ArgumentException($"{Model.Source}: no layer named '{name}'. Layers: {string.Join(", ", Layers.Concat(HeadLayers).Select(x => x.Name))}");

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>What zero-in silences for <paramref name="unit"/>: incoming weights, bias, BatchNorm scale and shift.</summary>
    public IReadOnlyList<TensorSlice> Incoming(Layer layer, int unit)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Check(layer, unit);
        if (layer.Attention is { } a) return a.ValueUnits(unit).SelectMany(v => Incoming(this[a.ValueLayer], v)).ToList();
        var g = Model.Graph;
        var slices = new List<TensorSlice>
        {
            new(layer.WeightName, layer.Op.Incoming(g.Node[layer.NodeIndex], layer.WeightShape, layer.WeightInput, unit)),
        };
        if (layer.BiasName is not null) slices.Add(new TensorSlice(layer.BiasName, [unit]));
        if (layer.BatchNormNodeIndex is int bn)
        {
            slices.Add(new TensorSlice(g.Node[bn].Input[1], [unit])); // scale
            slices.Add(new TensorSlice(g.Node[bn].Input[2], [unit])); // shift
        }
        foreach (var affine in layer.AffineTensors) slices.Add(new TensorSlice(affine, [unit]));
        return slices;
    }

    /// <summary>Only the weights feeding the unit (for weight statistics): no bias, no BatchNorm.</summary>
    public int[] IncomingWeights(Layer layer, int unit)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Check(layer, unit);
        if (layer.Attention is { } a) return a.ValueUnits(unit).SelectMany(v => IncomingWeights(this[a.ValueLayer], v)).ToArray();
        return layer.Op.Incoming(Model.Graph.Node[layer.NodeIndex], layer.WeightShape, layer.WeightInput, unit);
    }

    /// <summary>The weights of consuming layers that read the unit's output (zero-out).</summary>
    public IReadOnlyList<TensorSlice> Outgoing(Layer layer, int unit)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Check(layer, unit);
        if (layer.Attention is { } att)
        {
            // a head's readers: the output projection's weights on the head's context channels
            var output = this[att.OutputLayer];
            var node = Model.Graph.Node[output.NodeIndex];
            return [new TensorSlice(output.WeightName, att.ContextChannels(unit).SelectMany(f => output.Op.ReadingInput(node, output.WeightShape, output.WeightInput, f)).ToArray())];
        }
        if (layer.OutgoingProblem is not null)
            throw new AblationException($"{Model.Source}: outgoing weights of layer '{layer.Name}' cannot be mapped: {layer.OutgoingProblem}");
        var slices = new List<TensorSlice>();
        foreach (var (node, features) in _outgoing[layer.Name].OrderBy(kv => kv.Key))
        {
            var consumer = Layers.First(l => l.NodeIndex == node);
            var idx = features[unit].SelectMany(f => consumer.Op.ReadingInput(Model.Graph.Node[node], consumer.WeightShape, consumer.WeightInput, f)).ToArray();
            if (idx.Length > 0) slices.Add(new TensorSlice(consumer.WeightName, idx));
        }
        return slices;
    }

    /// <summary>Layers that read this layer's units.</summary>
    public IEnumerable<Layer> Consumers(Layer layer) =>
        layer?.Attention is { } a ? [this[a.OutputLayer]] : _outgoing.TryGetValue(layer?.Name ?? "", out var l) ? l.Keys.Order().Select(node => Layers.First(x => x.NodeIndex == node)) : [];

    private static void Check(Layer layer, int unit)
    {
        if ((uint)unit >= (uint)layer.UnitCount)
            throw new AblationException($"layer '{layer.Name}' has {layer.UnitCount} units; unit {unit} does not exist");
    }
}
