using OnnxAblation.Ablation.Ops;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// The first consumer L of a layer's unit tensor U when it is linear in U: a Conv (one group), Gemm or MatMul with a
/// constant weight W reading V, where V is U after ops that keep an all-zero channel zero and each channel apart
/// (<see cref="IOpHandler.KeepsZeroChannels"/>: ReLU, pooling) and at most one Flatten/Reshape to features. Zeroing units
/// zeroes their columns of V, so L's output for the ablation is the intact output Y minus what those columns contribute:
/// Y' = Y − L₀(V ⊙ e) with L₀ the bias-free L and e the ablated columns, a rank-M update (M columns) for Gemm/MatMul and an
/// M-input-channel convolution for Conv instead of the full layer. The graph cut then cuts after Y; the suffix gets Y and
/// V, gathers the ablated columns of V and of W per ablation, and subtracts. A found chain that the shapes do not confirm
/// (<see cref="Spread"/>) falls back to masking U.
/// </summary>
internal sealed class LinearConsumer
{
    /// <summary>Columns of V per ablation, [K, M] (as floats: indices are below 2²⁴), padding entries weighted 0.</summary>
    public const string IndexName = "ablation.index";

    /// <summary>1 for an ablated column, 0 for padding, [K, M].</summary>
    public const string WeightName = "ablation.weight";

    private LinearConsumer(NodeProto node, string input, string output, string? flattened, bool spatial)
    {
        Node = node;
        Input = input;
        Output = output;
        Flattened = flattened;
        Spatial = spatial;
    }

    /// <summary>The linear consumer L.</summary>
    public NodeProto Node { get; }

    /// <summary>V: L's data input, U after the zero-keeping chain.</summary>
    public string Input { get; }

    /// <summary>Y: L's output, where the graph is cut.</summary>
    public string Output { get; }

    /// <summary>The input of the chain's Flatten/Reshape (channels × spatial), or null when the chain keeps U's layout.</summary>
    public string? Flattened { get; }

    /// <summary>Whether the chain pools or pads (ops on NCHW channels: U's units must then be its channels).</summary>
    public bool Spatial { get; }

    public bool IsConv => Node.OpType == "Conv";

    /// <summary>
    /// Follows U to its only consumer through zero-keeping ops; null when U (or a tensor on the way) has more than one
    /// reader or is a model output, or the chain ends anywhere but at a linear op reading it as its data input.
    /// </summary>
    public static LinearConsumer? Find(GraphIndex g, string unitTensor)
    {
        ArgumentNullException.ThrowIfNull(g);
        string t = unitTensor;
        string? flattened = null;
        bool spatial = false;
        for (int steps = 0; steps <= g.Graph.Node.Count; steps++)
        {
            if (g.IsGraphOutput(t)) return null;
            var readers = g.Consumers(t).Distinct().ToList();
            if (readers.Count != 1) return null;
            var n = g.Node(readers[0]);
            if (n.Input.Count(x => x == t) != 1 || n.Input[0] != t) return null;
            if (IsLinear(g, n)) return new LinearConsumer(n, t, n.Output[0], flattened, spatial);
            if (n.Output.Skip(1).Any(o => o.Length > 0 && (g.Consumers(o).Count > 0 || g.IsGraphOutput(o)))) return null; // Dropout's mask read
            if (n.OpType is "Flatten" or "Reshape" && flattened is null) flattened = t;
            else if (OpRegistry.For(n.OpType)?.KeepsZeroChannels(n, g) == true) spatial |= OpRegistry.For(n.OpType) is SpatialOps;
            else return null;
            t = n.Output[0];
        }
        return null;
    }

    private static bool IsLinear(GraphIndex g, NodeProto n) => n.OpType switch
    {
        "Conv" => n.Input.Count > 1 && g.InitializerOrNull(n.Input[1]) is { Dims.Count: >= 3 } && Attributes.Int(n, "group", 1) == 1,
        "Gemm" => n.Input.Count > 1 && g.InitializerOrNull(n.Input[1]) is { Dims.Count: 2 } && Attributes.Int(n, "transA", 0) == 0,
        "MatMul" => n.Input.Count == 2 && g.InitializerOrNull(n.Input[1]) is { Dims.Count: 2 },
        _ => false,
    };

    /// <summary>
    /// Columns of V per channel of U (1 without a flatten; H·W after Flatten of [C, H, W]), or null when the probed shapes
    /// (per sample, batch first removed) do not confirm that channel c of U is columns c·S … c·S+S−1 of V on the axis L
    /// contracts. <paramref name="unitAxis"/> is the units' axis of U per sample.
    /// </summary>
    public int? Spread(long[] u, long[]? beforeFlatten, long[] v, int unitAxis)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        long channels = u[unitAxis];
        if (Spatial && unitAxis != 0) return null;
        if (Flattened is not null)
        {
            if (beforeFlatten is null || IsConv || v.Length != 1 || unitAxis != 0 || beforeFlatten.Length < 1 || beforeFlatten[0] != channels) return null;
            long size = beforeFlatten.Aggregate(1L, (a, d) => a * d);
            return v[0] == size ? (int)(size / channels) : null;
        }
        if (IsConv) return v.Length == u.Length && unitAxis == 0 && v[0] == channels ? 1 : null;
        if (Node.OpType == "Gemm" && v.Length != 1) return null;
        return v.Length == u.Length && unitAxis == u.Length - 1 && v[^1] == channels ? 1 : null;
    }

    /// <summary>
    /// Adds to <paramref name="graph"/> the nodes computing what the gathered columns of V contribute to Y, per ablation:
    /// [K, B, …Y's sample shape]; returns its name. <paramref name="v"/> and <paramref name="y"/> are per-sample shapes.
    /// </summary>
    public string AddCorrection(GraphProto graph, int opset, int k, long[] v, long[] y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(y);
        const string tag = "ablation.linear";
        AddInput(graph, IndexName, k);
        AddInput(graph, WeightName, k);
        string index = AddNode(graph, "Cast", [IndexName], tag + ".index", ("to", 7L));
        string w = Node.Input[1];
        int rank = v.Length + 1;
        if (IsConv)
        {
            // V [B, C, sp…] → columns [B, K, M, sp…], weighted, as K·M channels; W [O, C, k…] → [K·O, M, k…]; a K-group Conv
            var spatial = v.Skip(1).ToArray();
            string vg = AddNode(graph, "Gather", [Input, index], tag + ".v", ("axis", 1L));
            string wt = Unsqueeze(graph, WeightName, Enumerable.Range(2, spatial.Length).Select(i => (long)i).ToArray(), tag + ".wt", opset);
            string vw = AddNode(graph, "Mul", [vg, wt], tag + ".vw", null);
            string vf = AddNode(graph, "Reshape", [vw, GraphCut.Const(graph, tag + ".vshape", [0, -1, .. spatial])], tag + ".vf", null);
            var wDims = graph.Initializer.First(t => t.Name == w).Dims.ToArray();
            long outChannels = wDims[0];
            string wg = AddNode(graph, "Gather", [w, index], tag + ".w", ("axis", 1L));
            string wk = Transpose(graph, wg, [1, 0, .. Enumerable.Range(2, wDims.Length - 1).Select(i => (long)i)], tag + ".wk");
            string wf = AddNode(graph, "Reshape", [wk, GraphCut.Const(graph, tag + ".wshape", [k * outChannels, -1, .. wDims.Skip(2)])], tag + ".wf", null);
            var conv = new NodeProto { OpType = "Conv", Name = tag + ".conv", Input = { vf, wf }, Output = { tag + ".conv" } };
            foreach (var a in Node.Attribute.Where(a => a.Name != "group")) conv.Attribute.Add(a.Clone());
            conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = k });
            graph.Node.Add(conv);
            string c5 = AddNode(graph, "Reshape", [conv.Output[0], GraphCut.Const(graph, tag + ".cshape", [0, k, outChannels, .. y.Skip(1)])], tag + ".c5", null);
            return Transpose(graph, c5, [1, 0, .. Enumerable.Range(2, y.Length).Select(i => (long)i)], tag + ".correction");
        }
        // V [B, s…, C] → columns [B, s…, K, M], weighted → [K, B, s…, M]; W → [K, M, N] (broadcast over B, s…); one batched MatMul
        string g0 = AddNode(graph, "Gather", [Input, index], tag + ".v", ("axis", (long)(rank - 1)));
        string w0 = AddNode(graph, "Mul", [g0, WeightName], tag + ".vw", null);
        string vt = Transpose(graph, w0, [rank - 1, .. Enumerable.Range(0, rank - 1).Select(i => (long)i), rank], tag + ".vt");
        bool transB = Node.OpType == "Gemm" && Attributes.Int(Node, "transB", 0) != 0;
        string wgath = AddNode(graph, "Gather", [w, index], tag + ".w", ("axis", transB ? 1L : 0L));
        string wk2 = transB ? Transpose(graph, wgath, [1, 2, 0], tag + ".wk") : wgath;
        if (rank > 2) wk2 = Unsqueeze(graph, wk2, Enumerable.Range(1, rank - 2).Select(i => (long)i).ToArray(), tag + ".wb", opset);
        string product = AddNode(graph, "MatMul", [vt, wk2], tag + ".product", null);
        float alpha = Node.OpType == "Gemm" ? Attributes.Float(Node, "alpha", 1f) : 1f;
        if (alpha == 1f) return product;
        graph.Initializer.Add(TensorCodec.Create(tag + ".alpha", [], [alpha]));
        return AddNode(graph, "Mul", [product, tag + ".alpha"], tag + ".correction", null);
    }

    private static void AddInput(GraphProto graph, string name, int k)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() };
        tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = k });
        tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "columns" });
        graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } });
    }

    private static string AddNode(GraphProto graph, string op, string[] inputs, string output, (string Name, long Value)? attribute)
    {
        var n = new NodeProto { OpType = op, Name = output };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        if (attribute is { } a) n.Attribute.Add(new AttributeProto { Name = a.Name, Type = AttributeProto.Types.AttributeType.Int, I = a.Value });
        graph.Node.Add(n);
        return output;
    }

    private static string Transpose(GraphProto graph, string input, long[] perm, string output)
    {
        var n = new NodeProto { OpType = "Transpose", Name = output, Input = { input }, Output = { output } };
        n.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { perm } });
        graph.Node.Add(n);
        return output;
    }

    private static string Unsqueeze(GraphProto graph, string input, long[] axes, string output, int opset)
    {
        var n = new NodeProto { OpType = "Unsqueeze", Name = output, Input = { input }, Output = { output } };
        if (opset >= 13) n.Input.Add(GraphCut.Const(graph, output + ".axes", axes));
        else n.Attribute.Add(new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { axes } });
        graph.Node.Add(n);
        return output;
    }
}
