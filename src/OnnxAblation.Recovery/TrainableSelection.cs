using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Ops;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Recovery;

/// <summary>Decides which initializers a <see cref="RecoveryScope"/> trains.</summary>
internal static class TrainableSelection
{
    /// <summary>
    /// The learnable initializers of a graph: float initializers read by Gemm or MatMul, the weight and bias of
    /// Conv / ConvTranspose, BatchNormalization scale and shift, and the bias of each discovered layer.
    /// Other float constants (input normalisation, epsilons) are not learned.
    /// </summary>
    public static IReadOnlyList<string> Learnable(ModelUnits units)
    {
        var model = units.Model;
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            foreach (int i in LearnableInputs(node))
                if (i < node.Input.Count) set.Add(node.Input[i]);
        }
        foreach (var layer in units.Layers)
            foreach (var name in LayerTensors(model, layer))
                set.Add(name);
        return model.Graph.Initializer
            .Where(t => set.Contains(t.Name) && TorchTensors.IsFloat(t.DataType))
            .Select(t => t.Name)
            .ToList();
    }

    public static IReadOnlyList<string> Select(ModelUnits units, IReadOnlyList<UnitSet> damage, RecoveryScope scope)
    {
        var learnable = Learnable(units);
        IReadOnlyList<string> chosen = scope switch
        {
            RecoveryScope.All => learnable,
            RecoveryScope.LastLayer => LastLayer(units, learnable),
            RecoveryScope.AfterDamage => AfterDamage(units, damage, learnable),
            _ => throw new RecoveryException($"unknown recovery scope {scope}"),
        };
        if (chosen.Count == 0)
            throw new RecoveryException($"{units.Model.Source}: recovery scope {scope} leaves nothing to train");
        return chosen;
    }

    private static IEnumerable<int> LearnableInputs(NodeProto node) => OpParameters.Trainable(node);

    /// <summary>Weight, bias and coupled BatchNorm scale/shift of a layer.</summary>
    private static IEnumerable<string> LayerTensors(OnnxModel model, Layer layer)
    {
        yield return layer.WeightName;
        if (layer.BiasName is not null) yield return layer.BiasName;
        if (layer.BatchNormNodeIndex is int bn)
        {
            yield return model.Graph.Node[bn].Input[1];
            yield return model.Graph.Node[bn].Input[2];
        }
    }

    private static List<string> LastLayer(ModelUnits units, IReadOnlyList<string> learnable)
    {
        var outputs = units.Layers.Where(l => l.IsOutputLayer).ToList();
        if (outputs.Count == 0 && units.Layers.Count > 0) outputs.Add(units.Layers[^1]);
        if (outputs.Count == 0)
            throw new RecoveryException($"{units.Model.Source}: no layer found, so there is no last layer to train");
        var names = outputs.SelectMany(l => LayerTensors(units.Model, l)).ToHashSet(StringComparer.Ordinal);
        return learnable.Where(names.Contains).ToList();
    }

    private static List<string> AfterDamage(ModelUnits units, IReadOnlyList<UnitSet> damage, IReadOnlyList<string> learnable)
    {
        var damaged = damage.Where(s => s.Units.Count > 0).Select(s => units[s.Layer]).ToList();
        if (damaged.Count == 0)
            throw new RecoveryException($"{units.Model.Source}: recovery scope AfterDamage needs a damaged layer, but no units are ablated");
        var first = damaged.MinBy(l => l.Position)!;
        var index = units.Model.Index();
        var reached = new HashSet<int>();
        var tensors = new Queue<string>();
        tensors.Enqueue(first.UnitTensor);
        while (tensors.Count > 0)
        {
            foreach (int c in index.Consumers(tensors.Dequeue()))
            {
                if (!reached.Add(c)) continue;
                foreach (var o in index.Node(c).Output) if (o.Length > 0) tensors.Enqueue(o);
            }
        }
        var read = reached.SelectMany(i => index.Node(i).Input).ToHashSet(StringComparer.Ordinal);
        var own = LayerTensors(units.Model, first).ToHashSet(StringComparer.Ordinal);
        var chosen = learnable.Where(n => read.Contains(n) && !own.Contains(n)).ToList();
        if (chosen.Count == 0)
            throw new RecoveryException($"{units.Model.Source}: nothing learnable lies downstream of the damaged layer '{first.Name}' (is it the output layer?); use scope All or LastLayer");
        return chosen;
    }
}
