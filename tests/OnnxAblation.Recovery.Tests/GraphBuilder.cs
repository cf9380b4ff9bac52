using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Builds small ONNX graphs for operator tests: one float input with a symbolic batch axis, random initializers.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private readonly Random _rng;
    private readonly int _opset;
    private int _counter;

    public GraphBuilder(string input, long[] sampleDims, int opset = 13, int seed = 1)
    {
        _rng = new Random(seed);
        _opset = opset;
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (long d in sampleDims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        _graph.Input.Add(new ValueInfoProto
        {
            Name = input,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } },
        });
        Input = input;
    }

    public string Input { get; }

    /// <summary>A float initializer with values uniform in [lo, hi).</summary>
    public string Weight(string name, long[] dims, double lo = -1, double hi = 1)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(lo + (hi - lo) * _rng.NextDouble());
        _graph.Initializer.Add(TensorCodec.Create(name, dims, v));
        return name;
    }

    public string Floats(string name, long[] dims, float[] values)
    {
        _graph.Initializer.Add(TensorCodec.Create(name, dims, values));
        return name;
    }

    public string Longs(string name, long[] values, long[]? dims = null)
    {
        _graph.Initializer.Add(TensorCodec.CreateInt64(name, dims ?? [values.Length], values));
        return name;
    }

    /// <summary>Adds a node; returns its first output's name.</summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) =>
        NodeOutputs(op, inputs, 1, attributes)[0];

    public string[] NodeOutputs(string op, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        int k = _counter++;
        var node = new NodeProto { OpType = op, Name = $"{op.ToLowerInvariant()}_{k}" };
        node.Input.AddRange(inputs);
        for (int o = 0; o < outputs; o++) node.Output.Add($"{op.ToLowerInvariant()}_{k}_out{o}");
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return node.Output.ToArray();
    }

    /// <summary>A Constant node holding an int64 tensor.</summary>
    public string ConstantLongs(long[] values, long[]? dims = null)
    {
        int k = _counter++;
        var node = new NodeProto { OpType = "Constant", Name = $"constant_{k}" };
        node.Output.Add($"constant_{k}_out");
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = TensorCodec.CreateInt64("", dims ?? [values.Length], values) });
        _graph.Node.Add(node);
        return node.Output[0];
    }

    public OnnxModel Build(string output)
    {
        var graph = _graph.Clone();
        graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var proto = new ModelProto { IrVersion = 8, ProducerName = "recovery-tests", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
        return OnnxModel.FromProto(proto, "test graph");
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case int i:
                a.Type = AttributeProto.Types.AttributeType.Int;
                a.I = i;
                break;
            case long l:
                a.Type = AttributeProto.Types.AttributeType.Int;
                a.I = l;
                break;
            case float f:
                a.Type = AttributeProto.Types.AttributeType.Float;
                a.F = f;
                break;
            case TensorProto t:
                a.Type = AttributeProto.Types.AttributeType.Tensor;
                a.T = t;
                break;
            case string s:
                a.Type = AttributeProto.Types.AttributeType.String;
                a.S = Google.Protobuf.ByteString.CopyFromUtf8(s);
                break;
            case long[] ls:
                a.Type = AttributeProto.Types.AttributeType.Ints;
                a.Ints.AddRange(ls);
                break;
            default:
                throw new ArgumentException($"attribute {name}: unsupported value type {value.GetType()}");
        }
        return a;
    }
}
