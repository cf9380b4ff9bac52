using OnnxAblation.Ablation.Rewriters;
using OnnxAblation.Onnx;
using OnnxAblation.Onnx.Proto;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Units;

/// <summary>Finds the layers of a graph and follows each layer's units to the layers that consume them.</summary>
public static class UnitDiscovery
{
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
        "Softplus", "Softsign", "Gelu", "Mish", "Dropout", "Identity", "MaxPool", "AveragePool", "LpPool",
        "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "LRN", "Cast",
    };

    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal) { "Softmax", "LogSoftmax" };

    /// <param name="sampleShape">Shape of one input sample; needed to follow units through Flatten, Reshape and Concat
    /// (taken from the model's input when omitted).</param>
    public static ModelUnits Discover(OnnxModel model, IReadOnlyList<int>? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Index();
        var graph = model.Graph;
        var problems = new List<string>();
        var layers = new List<Layer>();
        var useCount = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Node) foreach (var i in n.Input.Distinct()) useCount[i] = useCount.GetValueOrDefault(i) + 1;

        foreach (int idx in g.TopologicalOrder)
        {
            var node = graph.Node[idx];
            var rw = RewriterRegistry.For(node.OpType);
            if (rw is null) continue;
            string display = GraphIndex.DisplayName(node);
            var d = rw.Describe(node, g, out string? problem);
            if (d is null)
            {
                if (node.OpType != "MatMul" || g.IsInitializer(node.Input[0]) || g.IsInitializer(node.Input[1]))
                    problems.Add($"{node.OpType} '{display}': {problem}");
                continue;
            }
            var (weight, units, bias) = d.Value;
            string? shared = new[] { weight, bias }.FirstOrDefault(t => t is not null && useCount.GetValueOrDefault(t) > 1);
            if (shared is not null)
            {
                problems.Add($"{node.OpType} '{display}': initializer '{shared}' is shared with another node, so rewriting it would change both");
                continue;
            }
            string output = node.Output[0];
            int? biasNode = null;
            if (bias is null && node.OpType == "MatMul" && FindBiasAdd(g, output, units) is { } add)
            {
                biasNode = add.Node;
                bias = add.Bias;
                output = graph.Node[add.Node].Output[0];
            }
            if (bias is not null && TensorCodec.ElementCount(g.InitializerOrNull(bias)!) is long bn && bn != units && bn != 1)
            {
                problems.Add($"{node.OpType} '{display}': bias '{bias}' has {bn} elements for {units} units");
                continue;
            }
            int? bnNode = FindBatchNorm(g, output, units, useCount);
            layers.Add(new Layer
            {
                Name = node.Name.Length > 0 ? node.Name : weight,
                NodeIndex = idx,
                OpType = node.OpType,
                WeightName = weight,
                WeightShape = g.InitializerOrNull(weight)!.Dims.ToArray(),
                UnitCount = units,
                BiasName = bias,
                BiasNodeIndex = biasNode,
                OutputTensor = output,
                BatchNormNodeIndex = bnNode,
                UnitTensor = bnNode is int b ? graph.Node[b].Output[0] : output,
                Position = layers.Count,
                Rewriter = rw,
            });
        }
        var dupes = layers.GroupBy(l => l.Name).Where(x => x.Count() > 1).Select(x => x.Key).ToList();
        if (dupes.Count > 0)
            throw new AblationException($"{model.Source}: several layers share the name(s) {string.Join(", ", dupes)}; give the nodes unique names");

        var outgoing = FollowAll(model, g, layers, sampleShape);
        return new ModelUnits(model, layers, problems, outgoing);
    }

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

    private static int? FindBatchNorm(GraphIndex g, string output, int units, Dictionary<string, int> useCount)
    {
        var consumers = g.Consumers(output);
        if (consumers.Count != 1 || g.IsGraphOutput(output)) return null;
        var bn = g.Node(consumers[0]);
        if (bn.OpType != "BatchNormalization" || bn.Input[0] != output || bn.Input.Count < 5) return null;
        for (int i = 1; i <= 4; i++)
        {
            if (g.InitializerOrNull(bn.Input[i]) is not { } t || TensorCodec.ElementCount(t) != units || useCount.GetValueOrDefault(bn.Input[i]) != 1)
                throw new AblationException($"BatchNormalization '{GraphIndex.DisplayName(bn)}' after a layer has parameter '{bn.Input[i]}' that is not a per-channel initializer of its own; cannot couple it to the layer's units");
        }
        return consumers[0];
    }

    private static Dictionary<string, List<(int Node, int Offset, int Block)>> FollowAll(OnnxModel model, GraphIndex g, List<Layer> layers, IReadOnlyList<int>? sampleShape)
    {
        var result = new Dictionary<string, List<(int, int, int)>>(StringComparer.Ordinal);
        var layerAt = layers.ToDictionary(l => l.NodeIndex);
        // Shapes are needed only where units cross Flatten, Reshape or Concat.
        var needShapes = model.Graph.Node.Where(n => n.OpType is "Flatten" or "Reshape" or "Concat")
            .SelectMany(n => n.OpType == "Concat" ? n.Input.Concat(n.Output) : [n.Input[0], n.Output[0]])
            .Where(t => !g.IsInitializer(t) && g.ConstantOrNull(t) is null).Distinct().ToList();
        Dictionary<string, long[]>? shapes = null;
        string? shapeProblem = null;
        if (needShapes.Count > 0)
        {
            var hint = sampleShape ?? ModelSampleShape(g);
            if (hint is null) shapeProblem = "the model input has symbolic dims; give data to learn the shapes";
            else
            {
                try { shapes = ActivationProbe.Shapes(model, needShapes, hint, new InferenceOptions { Threads = 1 }); }
                catch (Exception e) when (e is OnnxFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                { shapeProblem = "shapes could not be inferred: " + e.Message; }
            }
        }
        foreach (var layer in layers)
        {
            var found = new List<(int, int, int)>();
            var state = new FollowState(g, layerAt, shapes, shapeProblem, found);
            state.Follow(layer.UnitTensor, 0, 1, merged: false, depth: 0);
            layer.OutgoingProblem = state.Problem;
            layer.OutgoingMerged = state.Merged;
            layer.IsOutputLayer = found.Count == 0 && state.ReachesOutput;
            result[layer.Name] = found;
        }
        return result;
    }

    private static int[]? ModelSampleShape(GraphIndex g)
    {
        if (g.RealInputs.Count != 1) return null;
        var s = g.DeclaredShape(g.RealInputs[0].Name);
        if (s is null || s.Length < 2 || s.Skip(1).Any(d => d is null)) return null;
        return s.Skip(1).Select(d => (int)d!.Value).ToArray();
    }

    private sealed class FollowState(GraphIndex g, Dictionary<int, Layer> layerAt, Dictionary<string, long[]>? shapes, string? shapeProblem, List<(int, int, int)> found)
    {
        public string? Problem { get; private set; }

        public bool Merged { get; private set; }

        public bool ReachesOutput { get; private set; }

        public void Follow(string tensor, int offset, int block, bool merged, int depth)
        {
            if (depth > 200) { Fail("the graph path is too long to follow"); return; }
            if (g.IsGraphOutput(tensor)) ReachesOutput = true;
            foreach (int ci in g.Consumers(tensor))
            {
                var c = g.Node(ci);
                string name = GraphIndex.DisplayName(c);
                if (layerAt.TryGetValue(ci, out var layer))
                {
                    if (c.Input[0] != tensor) { Fail($"it is the weight operand of {c.OpType} '{name}'"); continue; }
                    Merged |= merged;
                    found.Add((ci, offset, block));
                }
                else if (PassThrough.Contains(c.OpType) || c.OpType == "BatchNormalization" && c.Input[0] == tensor)
                    Follow(c.Output[0], offset, block, merged, depth + 1);
                else if (c.OpType is "Add" or "Sub" or "Mul" or "Div")
                {
                    string other = c.Input[0] == tensor ? c.Input[1] : c.Input[0];
                    bool constant = g.ConstantOrNull(other) is not null;
                    Follow(c.Output[0], offset, block, merged || !constant, depth + 1);
                }
                else if (c.OpType == "Concat") FollowConcat(c, tensor, offset, block, merged, depth);
                else if (c.OpType is "Flatten" or "Reshape") FollowFlatten(c, tensor, offset, block, merged, depth);
                else if (Terminal.Contains(c.OpType))
                {
                    if (Reaches(c.Output[0])) ReachesOutput = true;
                    else Fail($"they flow into {c.OpType} '{name}', which mixes units");
                }
                else Fail($"they flow into {c.OpType} '{name}', which the unit mapping cannot follow");
            }
        }

        private bool Reaches(string tensor)
        {
            if (g.IsGraphOutput(tensor)) return true;
            return g.Consumers(tensor).Select(g.Node).Any(n => n.OpType is "Identity" or "Cast" && Reaches(n.Output[0]));
        }

        private void FollowConcat(Onnx.Proto.NodeProto c, string tensor, int offset, int block, bool merged, int depth)
        {
            var shape = Shape(c.Input[0]);
            if (shape is null) return;
            long axis = Attributes.Int(c, "axis", 0);
            if (axis < 0) axis += shape.Length;
            if (axis != 1) { Fail($"Concat '{GraphIndex.DisplayName(c)}' joins along axis {axis}, not the channel axis"); return; }
            int before = 0;
            foreach (var input in c.Input)
            {
                if (input == tensor) break;
                var s = Shape(input);
                if (s is null) return;
                before += (int)s[1];
            }
            Follow(c.Output[0], before + offset, block, merged, depth + 1);
        }

        private void FollowFlatten(Onnx.Proto.NodeProto c, string tensor, int offset, int block, bool merged, int depth)
        {
            var inShape = Shape(tensor);
            var outShape = Shape(c.Output[0]);
            if (inShape is null || outShape is null) return;
            if (inShape.SequenceEqual(outShape)) { Follow(c.Output[0], offset, block, merged, depth + 1); return; }
            long rest = inShape.Skip(1).Aggregate(1L, (a, b) => a * b);
            if (outShape.Length == 2 && outShape[0] == inShape[0] && outShape[1] == rest && inShape.Length >= 2)
            {
                int hw = (int)(rest / inShape[1]);
                Follow(c.Output[0], offset * hw, block * hw, merged, depth + 1);
                return;
            }
            Fail($"{c.OpType} '{GraphIndex.DisplayName(c)}' turns [{string.Join(",", inShape)}] into [{string.Join(",", outShape)}], which does not keep the batch axis and flatten the rest");
        }

        private long[]? Shape(string tensor)
        {
            if (shapes is not null && shapes.TryGetValue(tensor, out var s)) return s;
            Fail(shapeProblem ?? $"the shape of '{tensor}' is unknown");
            return null;
        }

        private void Fail(string why) => Problem ??= "units' outputs cannot be followed: " + why;
    }
}
