using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// A model cut right after a layer's unit tensor U: the prefix computes every tensor that crosses the cut
/// (U, residual and parallel branches, the input where it is reused) once per data chunk; the suffix takes them plus a
/// per-ablation channel mask and evaluates K ablations × B samples in one run:
/// U' = reshape(unsqueeze(U, 0) · mask[K,1,C,1..], [K·B, C, ..]) (C on the units' axis: 1 for NCHW, last for
/// [B, T, C]); other crossing tensors are repeated K times.
/// </summary>
internal sealed class GraphCut
{
    public const string MaskName = "ablation.mask";

    private GraphCut(Layer layer, OnnxModel prefix, OnnxModel suffix, IReadOnlyList<string> crossing, IReadOnlyList<long[]> sampleShapes, string? graphInput, int k, int unitAxis)
    {
        UnitAxis = unitAxis;
        Layer = layer;
        Prefix = prefix;
        Suffix = suffix;
        Crossing = crossing;
        SampleShapes = sampleShapes;
        GraphInput = graphInput;
        K = k;
    }

    public Layer Layer { get; }

    public OnnxModel Prefix { get; }

    public OnnxModel Suffix { get; }

    /// <summary>Tensors crossing the cut; the first is the unit tensor U.</summary>
    public IReadOnlyList<string> Crossing { get; }

    /// <summary>Shape of each crossing tensor without its batch axis.</summary>
    public IReadOnlyList<long[]> SampleShapes { get; }

    /// <summary>The model input, if the suffix reads it directly (it is then fed from the data, not the prefix).</summary>
    public string? GraphInput { get; }

    /// <summary>The axis of the unit tensor (per sample, no batch axis) that holds the units.</summary>
    public int UnitAxis { get; }

    /// <summary>Shape of the mask input: [K, 1, …] with the units on <see cref="UnitAxis"/> and 1 elsewhere.</summary>
    public long[] MaskShape => [K, 1, .. SampleShapes[0].Select((d, i) => i == UnitAxis ? d : 1L)];

    /// <summary>The batch size the model fixes (every prefix run takes that many samples; K is 1), or null.</summary>
    public int? FixedBatch { get; private init; }

    /// <summary>
    /// The shape of a suffix run's output buffer for <paramref name="rows"/> rows of <paramref name="width"/> values: the
    /// model output's declared shape where it is static beyond the batch (a backbone's [1, 512, 1, 1]: ONNX Runtime
    /// checks the rank of a bound output), else [rows, width].
    /// </summary>
    public long[] OutputShape(int rows, int width)
    {
        var declared = Suffix.Index().DeclaredShape(Suffix.Graph.Output[0].Name);
        return declared is { Length: > 2 } d && d.Skip(1).All(x => x is > 0) && d.Skip(1).Aggregate(1L, (a, x) => a * x!.Value) == width
            ? [rows, .. d.Skip(1).Select(x => x!.Value)]
            : [rows, width];
    }

    /// <summary>Ablations per suffix run.</summary>
    public int K { get; }

    /// <summary>
    /// The linear consumer whose output is cut instead of the unit tensor (the suffix then subtracts the ablated columns'
    /// contribution instead of recomputing the layer), or null when the suffix masks the unit tensor.
    /// </summary>
    public LinearConsumer? Linear { get; private init; }

    /// <summary>Columns of the linear consumer's input per channel of the unit tensor (H·W after a Flatten of [C, H, W]; 1 otherwise).</summary>
    public int Spread { get; private init; } = 1;

    /// <summary>The columns of the linear consumer's input that ablating <paramref name="unit"/> zeroes.</summary>
    public IEnumerable<int> Columns(int unit) => Layer.Channels(unit).SelectMany(c => Enumerable.Range(c * Spread, Spread));

    /// <summary>
    /// Cuts the model after <paramref name="layer"/>'s unit tensor, or, with <paramref name="linear"/> and a linear first
    /// consumer the probed shapes confirm (<see cref="LinearConsumer"/>), after that consumer's output; null (with the
    /// reason) where the graph cannot be cut.
    /// </summary>
    public static GraphCut? TryCreate(ModelUnits units, Layer layer, int k, IReadOnlyList<int> sampleShape, out string? reason, bool linear = false)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        var model = units.Model;
        var graph = model.Graph;
        var g = model.Index();
        string u = layer.UnitTensor;
        if (layer.IsOutputLayer) { reason = "the output layer has no suffix to evaluate"; return null; }
        var lc = linear ? LinearConsumer.Find(g, u) : null;
        GraphCut? Masked(out string? why) => TryCreate(units, layer, k, sampleShape, out why);
        string cutAt = lc?.Output ?? u;
        var prefixNodes = PrefixNodes(g, cutAt);
        string output = graph.Output[0].Name;
        if (prefixNodes.Contains(g.Producer(output)) && output != cutAt)
        {
            if (lc is not null) return Masked(out reason);
            reason = "the model output does not depend on the layer";
            return null;
        }
        var suffixSet = Enumerable.Range(0, graph.Node.Count).Where(i => !prefixNodes.Contains(i)).ToHashSet();
        var realInputs = g.RealInputs.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        // Non-float tensors (shape arithmetic: Shape → Gather → Div → Concat → Reshape) cannot be fed across the cut:
        // their values know the prefix's batch, not the suffix's K·B. They are recomputed in the suffix instead, from
        // the float tensors they were computed from (which then cross, repeated like the others) and constants.
        var dependent = InputDependent(g, realInputs);
        List<string> crossing;
        while (true)
        {
            crossing = CrossingTensors(g, cutAt, suffixSet, realInputs);
            var ints = crossing.Where(t => !IsFloat(g, t)).ToList();
            if (ints.Count == 0) break;
            int before = suffixSet.Count;
            foreach (var t in ints)
                if (!Recompute(g, t, suffixSet, dependent, realInputs, out string? why))
                {
                    reason = $"the non-float tensor '{t}' crosses the cut after '{layer.Name}' and cannot be recomputed after it ({why})";
                    return null;
                }
            if (suffixSet.Count == before)
            {
                reason = $"the non-float tensor '{ints[0]}' crosses the cut after '{layer.Name}'";
                return null;
            }
        }
        if (lc is not null) crossing.Insert(1, lc.Input); // V: the suffix gathers the ablated columns from it
        var suffixNodes = g.TopologicalOrder.Where(suffixSet.Contains).ToList();
        // Shapes with batches of 2 and 3 find each tensor's batch axis (the first for most, the second for the
        // sequence-first [T, B, C] tensors inside torch's MultiheadAttention); it is moved first across the cut.
        var inner = crossing.Where(t => !realInputs.Contains(t)).ToList();
        // A model that fixes its batch size (old exporters: input [1, 3, 224, 224], Reshape to [1, 9216]) is cut in its
        // batch size: every tensor's batch axis is taken to be its first, of that size, and a suffix run holds one
        // ablation of one batch (K·B = the fixed batch, so the graph's own fixed shapes stay valid).
        int? fixedBatch = realInputs.Count == 1 && g.DeclaredShape(realInputs.First()) is { Length: > 0 } d0 && d0[0] is > 0 ? (int)d0[0]!.Value : null;
        if (fixedBatch is not null) k = 1;
        var probed = lc is null ? inner : [.. inner, u, .. lc.Flattened is { } f ? new[] { f } : []];
        var shapes2 = ProbeShapes(model, probed, sampleShape, fixedBatch ?? 2);
        var shapes3 = fixedBatch is null ? ProbeShapes(model, probed, sampleShape, 3) : shapes2;
        var sampleShapes = new List<long[]>();
        var batchAxes = new List<int>();
        // [B·T, C] tensors (batch folded into the tokens): unfolded across the cut in the order their values show
        var folds = fixedBatch is null
            ? inner.Where(t => BatchAxis(shapes2[t], shapes3[t]) < 0 && FoldedBatch.Tokens2(shapes2[t], shapes3[t]) is not null)
                .Select(t => (t, FoldedBatch.Tokens2(shapes2[t], shapes3[t])!.Value)).ToList()
            : [];
        var orders = folds.Count > 0 ? FoldedBatch.Orders(model, folds, sampleShape) : [];
        var folded = new Dictionary<string, FoldedBatch>(StringComparer.Ordinal);
        // A model input crossing the cut has the shape the model declares per sample (e.g. [784] for 28×28 images fed
        // to an MLP), which the evaluator feeds; the data's own sample shape where the declaration leaves a dim open.
        long[] InputSample(string t)
        {
            var declared = g.DeclaredShape(t);
            return declared is { Length: > 1 } && declared.Skip(1).All(d => d is not null)
                ? declared.Skip(1).Select(d => d!.Value).ToArray()
                : sampleShape.Select(d => (long)d).ToArray();
        }
        foreach (var t in crossing)
        {
            long[] s = realInputs.Contains(t) ? [fixedBatch ?? 2, .. InputSample(t)] : shapes2[t];
            long[] s3 = realInputs.Contains(t) ? [fixedBatch ?? 3, .. InputSample(t)] : shapes3[t];
            int p = fixedBatch is int fb ? (s.Length > 0 && s[0] == fb ? 0 : -1) : BatchAxis(s, s3);
            if (p != 0 && lc is not null && (t == lc.Output || t == lc.Input)) return Masked(out reason); // the update reads Y and V batch-first
            if (p < 0 && fixedBatch is not null) { reason = $"the model fixes its batch size to {fixedBatch}, and tensor '{t}' crossing the cut does not lead with it (shape [{string.Join(",", s)}])"; return null; }
            if (p < 0 && orders.TryGetValue(t, out bool? tokenMajor) && tokenMajor is bool major)
            {
                var fold = new FoldedBatch(s[0] / 2, major, s[1..]);
                folded[t] = fold;
                batchAxes.Add(0);
                sampleShapes.Add([fold.Tokens, .. fold.Rest]);
                continue;
            }
            if (p < 0 && orders.ContainsKey(t)) { reason = $"tensor '{t}' crossing the cut folds the batch into its first axis (shape [{string.Join(",", s)}] for 2 samples, [{string.Join(",", s3)}] for 3), in an order its values do not show"; return null; }
            if (p < 0) { reason = $"tensor '{t}' crossing the cut has no batch axis of its own (shape [{string.Join(",", s)}] for 2 samples, [{string.Join(",", s3)}] for 3)"; return null; }
            batchAxes.Add(p);
            sampleShapes.Add(s.Where((_, i) => i != p).ToArray());
        }
        // the units' axis in a sample (no batch axis): channels of NCHW, the last axis of [B, T, C]
        long[] uSample = sampleShapes[0];
        int uBatchAxis = batchAxes[0];
        if (lc is not null)
        {
            uBatchAxis = fixedBatch is null ? BatchAxis(shapes2[u], shapes3[u]) : shapes2[u].Length > 0 && shapes2[u][0] == fixedBatch ? 0 : -1;
            if (uBatchAxis != 0 || batchAxes[0] != 0 || batchAxes[1] != 0 || folded.Count > 0) return Masked(out reason);
            uSample = shapes2[u][1..];
        }
        int fromEnd = layer.Op.UnitsFromEnd(layer.WeightShape, layer.WeightInput);
        int unitAxisFull = uSample.Length + 1 - fromEnd;
        int unitAxis = unitAxisFull < uBatchAxis ? unitAxisFull : unitAxisFull - 1;
        if (unitAxis < 0 || uSample[unitAxis] != layer.ChannelCount)
        {
            if (lc is not null) return Masked(out reason);
            reason = $"unit tensor '{u}' of shape [{string.Join(",", uSample)}] per sample does not hold the {layer.ChannelCount} units where the layer puts them";
            return null;
        }
        int spread = 1;
        if (lc is not null)
        {
            long[]? beforeFlatten = lc.Flattened is { } fl ? shapes2[fl][1..] : null;
            if (lc.Spread(uSample, beforeFlatten, sampleShapes[1], unitAxis) is not int s) return Masked(out reason);
            spread = s;
        }
        string? graphInput = crossing.FirstOrDefault(realInputs.Contains);
        int opset = (int)(model.Proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 13);
        var moved = crossing.Select((t, i) => (t, p: batchAxes[i], rank: sampleShapes[i].Length + 1)).Where(x => x.p != 0 && !realInputs.Contains(x.t))
            .ToDictionary(x => x.t, x => (x.p, x.rank), StringComparer.Ordinal);
        var prefix = BuildPrefix(model, WithConstantProducers(g, prefixNodes), crossing.Where(t => !realInputs.Contains(t)).ToList(), moved, folded);
        var suffix = BuildSuffix(model, suffixNodes, crossing, sampleShapes, unitAxis, k, opset, moved, folded, lc);
        reason = null;
        return new GraphCut(layer, prefix, suffix, crossing, sampleShapes, graphInput, k, unitAxis) { FixedBatch = fixedBatch, Linear = lc, Spread = spread };
    }

    /// <summary>Tensors the suffix reads from the prefix or the model input; the unit tensor first.</summary>
    private static List<string> CrossingTensors(GraphIndex g, string u, HashSet<int> suffix, HashSet<string> realInputs)
    {
        var crossing = new List<string> { u };
        foreach (int i in suffix.Order())
            foreach (var t in g.Node(i).Input)
            {
                if (t.Length == 0 || crossing.Contains(t)) continue;
                int p = g.Producer(t);
                bool fromPrefix = p >= 0 && !suffix.Contains(p) && g.Node(p).OpType != "Constant";
                if (fromPrefix || realInputs.Contains(t)) crossing.Add(t);
            }
        return crossing;
    }

    /// <summary>
    /// Moves the prefix nodes that compute <paramref name="tensor"/> into the suffix, back to float tensors that depend
    /// on the model input (they cross the cut) or to constants. The prefix keeps its own copy where it needs one.
    /// </summary>
    private static bool Recompute(GraphIndex g, string tensor, HashSet<int> suffix, HashSet<string> dependent, HashSet<string> realInputs, out string? why)
    {
        var stack = new Stack<string>();
        stack.Push(tensor);
        while (stack.Count > 0)
        {
            string x = stack.Pop();
            int p = g.Producer(x);
            if (p < 0)
            {
                if (realInputs.Contains(x) && !IsFloat(g, x)) { why = $"it is computed from the non-float model input '{x}'"; return false; }
                continue;
            }
            if (suffix.Contains(p)) continue;
            if (x != tensor && dependent.Contains(x) && IsFloat(g, x)) continue; // crosses as a float tensor
            suffix.Add(p);
            foreach (var i in g.Node(p).Input) if (i.Length > 0) stack.Push(i);
        }
        why = null;
        return true;
    }

    /// <summary>Every tensor computed from a model input.</summary>
    private static HashSet<string> InputDependent(GraphIndex g, HashSet<string> realInputs)
    {
        var set = new HashSet<string>(realInputs, StringComparer.Ordinal);
        foreach (int i in g.TopologicalOrder)
        {
            var n = g.Node(i);
            if (n.Input.Any(set.Contains)) foreach (var o in n.Output) if (o.Length > 0) set.Add(o);
        }
        return set;
    }

    private static Dictionary<string, long[]> ProbeShapes(OnnxModel model, List<string> tensors, IReadOnlyList<int> sampleShape, int batch)
    {
        int size = sampleShape.Aggregate(1, (a, b) => a * b);
        var data = new OnnxAblation.Data.Dataset(new float[batch * size], new int[batch], sampleShape.ToArray(), ["0"], "<shape probe>");
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (tensors.Count == 0) return shapes;
        ActivationProbe.Run(model, data, tensors, new InferenceOptions { Threads = 1, BatchSize = batch }, (n, _, _, s) => shapes[n] = s);
        return shapes;
    }

    /// <summary>The one axis that is 2 for two samples and 3 for three, all others equal; -1 if there is none.</summary>
    internal static int BatchAxis(long[] two, long[] three)
    {
        if (two.Length != three.Length) return -1;
        int axis = -1;
        for (int i = 0; i < two.Length; i++)
        {
            if (two[i] == three[i]) continue;
            if (two[i] != 2 || three[i] != 3 || axis >= 0) return -1;
            axis = i;
        }
        return axis;
    }

    /// <summary>Permutation moving axis <paramref name="p"/> of a rank-<paramref name="rank"/> tensor first.</summary>
    private static long[] BatchFirst(int p, int rank) => [p, .. Enumerable.Range(0, rank).Where(i => i != p).Select(i => (long)i)];

    /// <summary>Its inverse: the batch axis back to <paramref name="p"/>.</summary>
    private static long[] BatchBack(int p, int rank)
    {
        var forward = BatchFirst(p, rank);
        var back = new long[rank];
        for (int i = 0; i < rank; i++) back[forward[i]] = i;
        return back;
    }

    /// <summary>
    /// The nodes the prefix runs once per data chunk: those <paramref name="unitTensor"/> depends on, and every other
    /// node that reads the model input without depending on the unit tensor (a parallel branch: the other paths of an
    /// Inception block, the other side of a wide layer), whose outputs then cross the cut as cached tensors instead of
    /// being recomputed for every ablation. Nodes that depend on constants alone stay in the suffix.
    /// </summary>
    internal static HashSet<int> PrefixNodes(GraphIndex g, string unitTensor)
    {
        var prefix = Ancestors(g, unitTensor);
        var dependent = InputDependent(g, g.RealInputs.Select(v => v.Name).ToHashSet(StringComparer.Ordinal));
        var downstream = new HashSet<string>(StringComparer.Ordinal) { unitTensor };
        foreach (int i in g.TopologicalOrder)
        {
            var n = g.Node(i);
            if (prefix.Contains(i)) continue;
            if (n.Input.Any(downstream.Contains))
            {
                foreach (var o in n.Output) if (o.Length > 0) downstream.Add(o);
            }
            else if (n.Input.Any(dependent.Contains))
            {
                prefix.Add(i);
            }
        }
        return prefix;
    }

    /// <summary>
    /// <paramref name="nodes"/> plus the constant-only nodes (Constant, shape arithmetic on initializers) whose outputs
    /// they read: a parallel branch moved into the prefix keeps its constants, which the suffix keeps too.
    /// </summary>
    private static HashSet<int> WithConstantProducers(GraphIndex g, HashSet<int> nodes)
    {
        var all = new HashSet<int>(nodes);
        foreach (int i in nodes)
            foreach (var t in g.Node(i).Input)
            {
                int p = t.Length > 0 ? g.Producer(t) : -1;
                if (p >= 0 && !nodes.Contains(p)) all.UnionWith(Ancestors(g, t));
            }
        return all;
    }

    internal static HashSet<int> Ancestors(GraphIndex g, string tensor)
    {
        var set = new HashSet<int>();
        var stack = new Stack<string>();
        stack.Push(tensor);
        while (stack.Count > 0)
        {
            int p = g.Producer(stack.Pop());
            if (p < 0 || !set.Add(p)) continue;
            foreach (var i in g.Node(p).Input) if (i.Length > 0) stack.Push(i);
        }
        return set;
    }

    /// <summary>
    /// Whether <paramref name="t"/> is float32, followed back through first inputs to a typed source: a graph input, an
    /// initializer, a Constant, a Cast, an integer-valued op. As deep as the graph (an EfficientNet's late convolutions sit
    /// hundreds of nodes deep).
    /// </summary>
    private static bool IsFloat(GraphIndex g, string t)
    {
        for (int depth = 0; depth <= g.Graph.Node.Count; depth++)
        {
            if (g.InitializerOrNull(t) is { } init) return init.DataType == 1;
            int p = g.Producer(t);
            if (p < 0)
            {
                var vi = g.Graph.Input.FirstOrDefault(v => v.Name == t);
                return vi?.Type?.TensorType?.ElemType == 1;
            }
            var n = g.Node(p);
            switch (n.OpType)
            {
                case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" or "Range":
                    return false;
                case "Cast":
                    return n.Attribute.First(a => a.Name == "to").I == 1;
                case "Constant":
                    return n.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType == 1;
            }
            if (n.Input.Count == 0) return false;
            t = n.Input[0];
        }
        return false;
    }

    private static ValueInfoProto FloatValue(string name, IEnumerable<long>? dims)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = 1 };
        if (dims is not null)
        {
            tt.Shape = new TensorShapeProto();
            tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
            foreach (long d in dims) tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    private static OnnxModel BuildPrefix(OnnxModel model, HashSet<int> prefixNodes, List<string> outputs, Dictionary<string, (int P, int Rank)> moved, Dictionary<string, FoldedBatch> folded)
    {
        var m = model.Clone();
        var graph = m.Graph;
        var keep = graph.Node.Where((_, i) => prefixNodes.Contains(i)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(keep);
        // a tensor whose batch axis is not first leaves the prefix transposed batch-first, under its own name
        foreach (var (t, (p, rank)) in moved)
        {
            string inner = t + ".batch_axis_" + p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var n in graph.Node)
            {
                for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == t) n.Input[i] = inner;
                for (int i = 0; i < n.Output.Count; i++) if (n.Output[i] == t) n.Output[i] = inner;
            }
            var tr = new NodeProto { OpType = "Transpose", Name = t + ".batch_first", Input = { inner }, Output = { t } };
            tr.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { BatchFirst(p, rank) } });
            graph.Node.Add(tr);
        }
        // a tensor that folds the batch into its first axis leaves the prefix unfolded, [B, T, C…]
        foreach (var (t, fold) in folded)
        {
            string inner = t + ".folded";
            foreach (var n in graph.Node)
            {
                for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == t) n.Input[i] = inner;
                for (int i = 0; i < n.Output.Count; i++) if (n.Output[i] == t) n.Output[i] = inner;
            }
            fold.AddUnfold(graph, inner, t);
        }
        graph.Output.Clear();
        foreach (var o in outputs) graph.Output.Add(FloatValue(o, null));
        Prune(graph);
        return OnnxModel.FromProto(m.Proto, model.Source + " [prefix]");
    }

    private static OnnxModel BuildSuffix(OnnxModel model, List<int> suffixNodes, List<string> crossing, List<long[]> shapes, int unitAxis, int k, int opset, Dictionary<string, (int P, int Rank)> moved, Dictionary<string, FoldedBatch> folded, LinearConsumer? lc)
    {
        var m = model.Clone();
        var graph = m.Graph;
        var original = graph.Node.ToList();
        graph.Node.Clear();
        graph.Input.Clear();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int c = 0; c < crossing.Count; c++)
        {
            string t = crossing[c];
            long[] s = shapes[c];
            graph.Input.Add(FloatValue(t, s));
            if (lc is not null && c == 1) continue; // V: read by the correction alone
            string tag = $"ablation.x{c}";
            string un = Add(graph, "Unsqueeze", opset >= 13 ? [t, Const(graph, tag + ".axes", [0])] : [t], tag + ".unsq", opset >= 13 ? null : ("axes", 0));
            string rep;
            if (c == 0 && lc is not null)
            {
                // Y' = Y − the ablated columns' contribution, per ablation: [K, B, …] flattened to K·B rows
                string correction = lc.AddCorrection(graph, opset, k, shapes[1], s);
                rep = Add(graph, "Sub", [un, correction], tag + ".updated", null);
            }
            else if (c == 0)
            {
                long[] maskShape = [k, 1, .. s.Select((d, i) => i == unitAxis ? d : 1L)];
                graph.Input.Add(new ValueInfoProto { Name = MaskName, Type = FloatValue(MaskName, null).Type });
                graph.Input[^1].Type.TensorType.Shape = new TensorShapeProto();
                foreach (long d in maskShape) graph.Input[^1].Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
                rep = Add(graph, "Mul", [un, MaskName], tag + ".masked", null);
            }
            else
            {
                rep = Add(graph, "Expand", [un, Const(graph, tag + ".k", [k, .. Enumerable.Repeat(1L, s.Length + 1)])], tag + ".rep", null);
            }
            renamed[t] = Add(graph, "Reshape", [rep, Const(graph, tag + ".shape", [-1, .. s])], tag + ".flat", null);
            if (folded.TryGetValue(t, out var fold)) renamed[t] = fold.AddRefold(graph, renamed[t], tag);
            if (moved.TryGetValue(t, out var mv))
            {
                var back = new NodeProto { OpType = "Transpose", Name = tag + ".batch_back", Input = { renamed[t] }, Output = { tag + ".batch_back" } };
                back.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { BatchBack(mv.P, mv.Rank) } });
                graph.Node.Add(back);
                renamed[t] = tag + ".batch_back";
            }
        }
        foreach (int i in suffixNodes)
        {
            var n = original[i].Clone();
            for (int j = 0; j < n.Input.Count; j++)
                if (renamed.TryGetValue(n.Input[j], out var r)) n.Input[j] = r;
            graph.Node.Add(n);
        }
        // Constants produced in the prefix but read after the cut are copied over.
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        foreach (var n in original.Where(n => n.OpType == "Constant" && !produced.Contains(n.Output[0])))
            if (graph.Node.Any(x => x.Input.Contains(n.Output[0]))) graph.Node.Insert(0, n.Clone());
        var first = graph.Output[0];
        if (renamed.TryGetValue(first.Name, out var updated)) first = new ValueInfoProto { Name = updated, Type = first.Type }; // the consumer is the output layer
        graph.Output.Clear();
        graph.Output.Add(first);
        Prune(graph);
        return OnnxModel.FromProto(m.Proto, model.Source + " [suffix]");
    }

    internal static string Const(GraphProto g, string name, long[] values)
    {
        g.Initializer.Add(TensorCodec.CreateInt64(name, [values.Length], values));
        return name;
    }

    private static string Add(GraphProto g, string op, string[] inputs, string output, (string Name, long Value)? axes)
    {
        var n = new NodeProto { OpType = op, Name = output };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        if (axes is { } a) n.Attribute.Add(new AttributeProto { Name = a.Name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { a.Value } });
        g.Node.Add(n);
        return output;
    }

    /// <summary>Drops initializers, value_info and inputs nothing uses.</summary>
    private static void Prune(GraphProto g)
    {
        var used = g.Node.SelectMany(n => n.Input).Concat(g.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var inits = g.Initializer.Where(t => used.Contains(t.Name)).ToList();
        g.Initializer.Clear();
        g.Initializer.AddRange(inits);
        var inputs = g.Input.Where(v => used.Contains(v.Name) && !inits.Any(t => t.Name == v.Name)).ToList();
        g.Input.Clear();
        g.Input.AddRange(inputs);
        g.ValueInfo.Clear();
    }
}
