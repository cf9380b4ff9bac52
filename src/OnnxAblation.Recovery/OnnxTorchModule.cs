using System.Runtime.InteropServices;
using System.Text;
using OnnxAblation.Onnx;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OnnxAblation.Recovery;

/// <summary>
/// Executes an ONNX graph as a TorchSharp module, so it can be trained. Every floating-point initializer is a
/// trainable <see cref="Parameter"/> (float32, whatever its stored type), except BatchNormalization running
/// statistics, which are buffers that training mode updates with ONNX momentum semantics. Integer initializers
/// and Constant nodes are fixed tensors. <see cref="torch.nn.Module.train"/> / <see cref="torch.nn.Module.eval"/>
/// switch BatchNormalization (batch vs running statistics) and Dropout.
/// Individual parameter elements can be held at zero (<see cref="Hold"/>): they are masked in the forward pass,
/// their gradients are zeroed and <see cref="ReapplyHeld"/> re-zeroes them after an optimizer step.
/// Call <see cref="torch.nn.Module{T, TResult}.forward"/> inside <c>torch.NewDisposeScope()</c>; dispose the module.
/// </summary>
public sealed class OnnxTorchModule : torch.nn.Module<Tensor, Tensor>
{
    private readonly OnnxModel _model;
    private readonly NodeProto[] _nodes;
    private readonly int _opset;
    private readonly Dictionary<string, Parameter> _params = new(StringComparer.Ordinal);
    private readonly List<string> _parameterNames = new();
    private readonly Dictionary<string, Tensor> _stats = new(StringComparer.Ordinal);
    private readonly List<string> _bufferNames = new();
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Tensor Keep, Tensor Held, int Count)> _masks = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Builds the module; throws <see cref="RecoveryException"/> naming the first unsupported node.</summary>
    public OnnxTorchModule(OnnxModel model)
        : base("OnnxTorchModule")
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model.Clone();
        var graph = _model.Graph;
        var index = _model.Index();
        _opset = (int)(_model.Proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 13);
        foreach (int i in index.TopologicalOrder)
        {
            var node = graph.Node[i];
            if (node.Domain is not ("" or "ai.onnx") || !OnnxOps.Supported.Contains(node.OpType))
                throw OnnxOps.Unsupported(node, _model.Source);
        }
        _nodes = index.TopologicalOrder.Select(i => graph.Node[i]).Where(n => n.OpType != "Constant").ToArray();
        if (index.RealInputs.Count != 1)
            throw new RecoveryException($"{_model.Source}: the graph has {index.RealInputs.Count} inputs ({string.Join(", ", index.RealInputs.Select(v => v.Name))}); recovery training needs exactly one");
        InputName = index.RealInputs[0].Name;
        OutputName = graph.Output[0].Name;

        var runningStats = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Node.Where(n => n.OpType == "BatchNormalization"))
            for (int k = 3; k <= 4 && k < n.Input.Count; k++)
                runningStats.Add(n.Input[k]);
        try
        {
            int p = 0;
            foreach (var init in graph.Initializer)
            {
                var t = TorchTensors.FromProto(init, _model.Source);
                string safe = SafeName(init.Name, p++);
                if (runningStats.Contains(init.Name))
                {
                    if (!TorchTensors.IsFloat(init.DataType))
                        throw new RecoveryException($"{_model.Source}: BatchNormalization statistic '{init.Name}' is not a float tensor");
                    _stats[init.Name] = t;
                    _bufferNames.Add(init.Name);
                    register_buffer(safe, t);
                }
                else if (TorchTensors.IsFloat(init.DataType))
                {
                    var param = new Parameter(t, requires_grad: true);
                    param.DetachFromDisposeScope();
                    t.Dispose();
                    _params[init.Name] = param;
                    _parameterNames.Add(init.Name);
                    register_parameter(safe, param);
                }
                else _constants[init.Name] = t;
            }
            foreach (var node in graph.Node.Where(n => n.OpType == "Constant"))
                _constants[node.Output[0]] = ConstantValue(node);
        }
        catch
        {
            DisposeTensors();
            throw;
        }
    }

    /// <summary>The graph input the module's argument feeds.</summary>
    public string InputName { get; }

    /// <summary>The graph output the module returns (the first one).</summary>
    public string OutputName { get; }

    /// <summary>The ONNX opset the graph is executed with.</summary>
    public int Opset => _opset;

    /// <summary>Initializer names held as trainable parameters, in graph order.</summary>
    public IReadOnlyList<string> ParameterNames => _parameterNames;

    /// <summary>BatchNormalization running statistics (buffers), in graph order.</summary>
    public IReadOnlyList<string> BufferNames => _bufferNames;

    /// <summary>The parameter of an initializer.</summary>
    public Parameter ParameterOf(string initializer) =>
        _params.TryGetValue(initializer, out var p) ? p
            : throw new RecoveryException($"{_model.Source}: '{initializer}' is not a float initializer of the model (no such parameter)");

    /// <summary>Makes exactly <paramref name="initializers"/> trainable (requires_grad); every other parameter is frozen.</summary>
    public void SetTrainable(IEnumerable<string> initializers)
    {
        ArgumentNullException.ThrowIfNull(initializers);
        var set = initializers.ToHashSet(StringComparer.Ordinal);
        foreach (var name in set) ParameterOf(name);
        foreach (var (name, p) in _params) p.requires_grad = set.Contains(name);
    }

    /// <summary>Parameters that currently require gradients, in graph order.</summary>
    public IReadOnlyList<Parameter> TrainableParameters() =>
        _parameterNames.Select(n => _params[n]).Where(p => p.requires_grad).ToList();

    /// <summary>
    /// Holds the elements at <paramref name="flatIndices"/> (row-major) of an initializer's parameter at exactly zero:
    /// they are set to zero now, masked in every forward pass, and kept at zero by <see cref="ZeroHeldGradients"/>
    /// and <see cref="ReapplyHeld"/>. Calls for the same initializer add up.
    /// </summary>
    public void Hold(string initializer, IEnumerable<int> flatIndices)
    {
        ArgumentNullException.ThrowIfNull(flatIndices);
        var p = ParameterOf(initializer);
        long n = p.numel();
        var held = new bool[n];
        if (_masks.TryGetValue(initializer, out var old))
        {
            using var prev = old.Held.flatten();
            using var values = prev.data<bool>();
            values.ToArray().CopyTo(held, 0);
            old.Keep.Dispose();
            old.Held.Dispose();
            _masks.Remove(initializer);
        }
        foreach (int i in flatIndices)
        {
            if ((uint)i >= (ulong)n)
                throw new RecoveryException($"{_model.Source}: index {i} is outside initializer '{initializer}' ({n} elements)");
            held[i] = true;
        }
        Tensor heldMask, keepMask;
        using (var flat = torch.tensor(held))
        {
            heldMask = flat.reshape(p.shape).DetachFromDisposeScope();
            keepMask = heldMask.logical_not().to_type(ScalarType.Float32, disposeAfter: true).DetachFromDisposeScope();
        }
        _masks[initializer] = (keepMask, heldMask, held.Count(h => h));
        using (torch.no_grad()) p.masked_fill_(heldMask, 0);
    }

    /// <summary>Number of parameter elements held at zero.</summary>
    public int HeldCount => _masks.Values.Sum(m => m.Count);

    /// <summary>Sets the gradients of held elements to zero (call after backward, before the optimizer step).</summary>
    public void ZeroHeldGradients()
    {
        foreach (var (name, m) in _masks)
        {
            var g = _params[name].grad;
            if (g is not null)
            {
                using (torch.no_grad()) g.masked_fill_(m.Held, 0);
            }
        }
    }

    /// <summary>Sets held elements back to exactly zero (call after each optimizer step).</summary>
    public void ReapplyHeld()
    {
        using var _ = torch.no_grad();
        foreach (var (name, m) in _masks) _params[name].masked_fill_(m.Held, 0);
    }

    /// <summary>Current values of a parameter or BatchNorm statistic, row-major float32 (held elements as stored).</summary>
    public float[] Values(string initializer)
    {
        if (_params.TryGetValue(initializer, out var p)) return TorchTensors.Floats(p);
        if (_stats.TryGetValue(initializer, out var b)) return TorchTensors.Floats(b);
        throw new RecoveryException($"{_model.Source}: '{initializer}' is not a float initializer of the model");
    }

    /// <summary>
    /// A copy of the original model (same graph) with every parameter and BatchNorm statistic written back in its
    /// original element type (<see cref="TensorCodec.Write"/>).
    /// </summary>
    public OnnxModel ToOnnx()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var copy = _model.Clone();
        foreach (var name in _parameterNames) copy.SetInitializer(name, Values(name));
        foreach (var name in _bufferNames) copy.SetInitializer(name, Values(name));
        return copy;
    }

    /// <summary>Runs the graph on <paramref name="input"/> (laid out as the model's input) and returns its first output.</summary>
    public override Tensor forward(Tensor input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in _constants) values[name] = t;
        foreach (var (name, t) in _stats) values[name] = t;
        foreach (var (name, p) in _params) values[name] = _masks.TryGetValue(name, out var m) ? p * m.Keep : p;
        values[InputName] = input;
        var ctx = new OpContext(_opset, training);
        foreach (var node in _nodes)
        {
            var inputs = new Tensor?[node.Input.Count];
            for (int i = 0; i < inputs.Length; i++)
            {
                string name = node.Input[i];
                if (name.Length == 0) continue;
                inputs[i] = values.TryGetValue(name, out var t) ? t
                    : throw new RecoveryException($"{_model.Source}: {NodeAttributes.Describe(node)} reads '{name}', which no earlier node produced");
            }
            Tensor?[] outputs;
            try
            {
                outputs = OnnxOps.Run(node, inputs, ctx);
            }
            catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                string shapes = string.Join(", ", inputs.Select(t => t is null ? "-" : "[" + string.Join(",", t.shape) + "]"));
                throw new RecoveryException($"{_model.Source}: {NodeAttributes.Describe(node)} failed on inputs {shapes}: {e.Message}", e);
            }
            for (int o = 0; o < node.Output.Count && o < outputs.Length; o++)
                if (node.Output[o].Length > 0 && outputs[o] is { } t)
                    values[node.Output[o]] = t;
        }
        return values.TryGetValue(OutputName, out var result)
            ? ReferenceEquals(result, input) || _params.ContainsKey(OutputName) || _constants.ContainsKey(OutputName) ? result.alias() : result
            : throw new RecoveryException($"{_model.Source}: no node produces the graph output '{OutputName}'");
    }

    private Tensor ConstantValue(NodeProto node)
    {
        var attr = node.Attribute.FirstOrDefault()
            ?? throw new RecoveryException($"{_model.Source}: {NodeAttributes.Describe(node)} has no value attribute");
        Tensor t = attr.Name switch
        {
            "value" => TorchTensors.FromProto(attr.T, _model.Source),
            "value_float" => torch.tensor(attr.F),
            "value_floats" => torch.tensor(attr.Floats.ToArray()),
            "value_int" => torch.tensor(attr.I),
            "value_ints" => torch.tensor(attr.Ints.ToArray()),
            _ => throw new RecoveryException($"{_model.Source}: {NodeAttributes.Describe(node)} has a '{attr.Name}' value, which is not supported"),
        };
        return t.DetachFromDisposeScope();
    }

    private static string SafeName(string name, int index)
    {
        var sb = new StringBuilder("p").Append(index).Append('_');
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return sb.ToString();
    }

    private void DisposeTensors()
    {
        foreach (var p in _params.Values) p.Dispose();
        foreach (var b in _stats.Values) b.Dispose();
        foreach (var c in _constants.Values) c.Dispose();
        foreach (var m in _masks.Values)
        {
            m.Keep.Dispose();
            m.Held.Dispose();
        }
        _params.Clear();
        _stats.Clear();
        _constants.Clear();
        _masks.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            DisposeTensors();
        }
        base.Dispose(disposing);
    }
}
