using OnnxAblation.Ablation.Ops;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Units;

/// <summary>Finds the layers of a graph and follows each layer's units to the layers that consume them.</summary>
public static class UnitDiscovery
{
    /// <param name="sampleShape">Shape of one input sample; needed to follow units through Flatten, Reshape, Concat
    /// and other shape-dependent ops (taken from the model's input when omitted).</param>
    public static ModelUnits Discover(OnnxModel model, IReadOnlyList<int>? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var canonical = PrivateParameters.Apply(model, out var notes);
        var g = canonical.Index();
        var graph = canonical.Graph;
        var problems = new List<UnmappedNode>();
        var layers = new List<Layer>();
        var names = new HashSet<string>(StringComparer.Ordinal);

        foreach (int idx in g.TopologicalOrder)
        {
            var node = graph.Node[idx];
            var op = OpRegistry.Layer(node.OpType);
            if (op is null) continue;
            string display = GraphIndex.DisplayName(node);
            if (node.Input.Count < 2 || node.Output.Count < 1)
            {
                problems.Add(new UnmappedNode(display, node.OpType, $"has {node.Input.Count} inputs and {node.Output.Count} outputs; a {node.OpType} layer needs at least 2 inputs (data and weight) and an output: malformed node"));
                continue;
            }
            var d = op.Describe(node, g, out string? problem);
            if (d is null)
            {
                if (problem is not null) problems.Add(new UnmappedNode(display, node.OpType, problem));
                continue;
            }
            var (weight, units, bias) = d.Value;
            string output = node.Output[0];
            int? biasNode = null;
            if (bias is null && node.OpType == "MatMul" && node.Input[1] == weight && FindBiasAdd(g, output, units) is { } add)
            {
                biasNode = add.Node;
                bias = add.Bias;
                output = graph.Node[add.Node].Output[0];
            }
            if (bias is not null && TensorCodec.ElementCount(g.InitializerOrNull(bias)!) is long bn && bn != units && bn != 1)
            {
                problems.Add(new UnmappedNode(display, node.OpType, $"bias '{bias}' has {bn} elements for {units} units"));
                continue;
            }
            var weightShape = g.InitializerOrNull(weight)!.Dims.ToArray();
            int weightInput = node.Input.IndexOf(weight);
            int fromEnd = op.UnitsFromEnd(weightShape, weightInput);
            int? bnNode = FindBatchNorm(g, output, units);
            string unitTensor = bnNode is int b ? graph.Node[b].Output[0] : output;
            var affine = new List<string>();
            while (FindAffine(g, unitTensor, units, fromEnd) is { } step)
            {
                affine.Add(step.Constant);
                unitTensor = graph.Node[step.Node].Output[0];
            }
            string name = node.Name.Length > 0 ? node.Name : weight;
            for (int k = 2; !names.Add(name); k++) name = $"{(node.Name.Length > 0 ? node.Name : weight)}#{k}";
            layers.Add(new Layer
            {
                Name = name,
                NodeIndex = idx,
                OpType = node.OpType,
                WeightName = weight,
                WeightShape = weightShape,
                WeightInput = weightInput,
                UnitCount = units,
                BiasName = bias,
                BiasNodeIndex = biasNode,
                OutputTensor = output,
                BatchNormNodeIndex = bnNode,
                AffineTensors = affine,
                UnitTensor = unitTensor,
                Position = layers.Count,
                Op = op,
            });
        }

        var shapes = GraphShapes.Probe(canonical, g, sampleShape);
        var layerAt = layers.ToDictionary(l => l.NodeIndex);
        var outgoing = new Dictionary<string, IReadOnlyDictionary<int, int[][]>>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            var flow = new UnitFlow(g, layerAt, shapes);
            flow.Run(layer.UnitTensor, Channels.OneEach(layer.UnitCount, layer.Op.UnitsFromEnd(layer.WeightShape, layer.WeightInput)));
            layer.OutgoingProblem = flow.Problem;
            layer.OutgoingMerged = flow.Merged;
            layer.OutgoingStop = flow.StoppedAt;
            layer.IsOutputLayer = flow.Found.Count == 0 && flow.ReachesOutput;
            outgoing[layer.Name] = flow.Found;
        }
        var allNotes = notes.ToList();
        if (g.RealInputs.Count == 1 && g.DeclaredShape(g.RealInputs[0].Name) is [long fixedBatch, ..])
            allNotes.Add($"the model fixes its batch size to {fixedBatch}: data is evaluated in batches of {fixedBatch}");
        if (shapes.Problem is not null) allNotes.Add(shapes.Problem + "; units are followed only where no shape is needed");
        var heads = Attention.AttentionDiscovery.Find(g, layers, shapes, allNotes)
            .Select((a, i) => HeadLayer(a, layers.First(l => l.Name == a.ValueLayer), layers.Count + i)).ToList();
        return new ModelUnits(canonical, layers, problems, outgoing, allNotes, shapes, heads);
    }

    /// <summary>The heads of an attention as a layer: units = heads, each a group of the value layer's units.</summary>
    private static Layer HeadLayer(Attention.AttentionHeads a, Layer value, int position) => new()
    {
        Name = a.Scope + "/heads",
        NodeIndex = value.NodeIndex,
        OpType = "Attention",
        WeightName = value.WeightName,
        WeightShape = value.WeightShape,
        WeightInput = value.WeightInput,
        UnitCount = a.HeadCount,
        ChannelCount = value.UnitCount,
        BiasName = value.BiasName,
        BiasNodeIndex = value.BiasNodeIndex,
        OutputTensor = value.OutputTensor,
        UnitTensor = value.UnitTensor,
        Position = position,
        Op = value.Op,
        Attention = a,
    };

    private static (int Node, string Bias)? FindBiasAdd(GraphIndex g, string output, int units)
    {
        var consumers = g.Consumers(output);
        if (consumers.Count != 1 || g.IsGraphOutput(output)) return null;
        var add = g.Node(consumers[0]);
        if (add.OpType != "Add") return null;
        string other = add.Input[0] == output ? add.Input[1] : add.Input[0];
        if (g.InitializerOrNull(other) is not { } t) return null;
        bool perUnit = TensorCodec.ElementCount(t) == units && t.Dims.Count >= 1 && t.Dims[^1] == units;
        return perUnit ? (consumers[0], other) : null;
    }

    /// <summary>A BatchNormalization that reads the layer's output alone, with per-channel parameter initializers of its own.</summary>
    private static int? FindBatchNorm(GraphIndex g, string output, int units)
    {
        var consumers = g.Consumers(output);
        if (consumers.Count != 1 || g.IsGraphOutput(output)) return null;
        var bn = g.Node(consumers[0]);
        if (bn.OpType != "BatchNormalization" || bn.Input[0] != output || bn.Input.Count < 5) return null;
        for (int i = 1; i <= 4; i++)
            if (g.InitializerOrNull(bn.Input[i]) is not { } t || TensorCodec.ElementCount(t) != units) return null;
        return consumers[0];
    }

    /// <summary>
    /// A Mul, Add, or Sub (of a constant) by a per-channel constant initializer, reading the unit tensor alone: a
    /// BatchNorm written as element-wise ops, coupled so that zero-in zeroes the unit's scale and shift.
    /// </summary>
    private static (int Node, string Constant)? FindAffine(GraphIndex g, string tensor, int units, int fromEnd)
    {
        var consumers = g.Consumers(tensor);
        if (consumers.Count != 1 || g.IsGraphOutput(tensor)) return null;
        var n = g.Node(consumers[0]);
        if (n.OpType is not ("Mul" or "Add" or "Sub") || n.Input.Count != 2) return null;
        int mine = n.Input[0] == tensor ? 0 : 1;
        if (n.OpType == "Sub" && mine != 0) return null;
        if (g.InitializerOrNull(n.Input[1 - mine]) is not { } c || TensorCodec.ElementCount(c) != units) return null;
        // the constant's units must sit on the units' axis: [.., C, 1, 1] aligned from the end
        var dims = c.Dims;
        if (dims.Count < fromEnd || dims[dims.Count - fromEnd] != units) return null;
        return (consumers[0], c.Name);
    }
}
