using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Tests.Support;

/// <summary>Builds small ONNX graphs by hand for tests whose expected values are worked out by hand.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _g = new() { Name = "test" };
    private int _next;

    public GraphBuilder Input(string name, params long[] shape)
    {
        _g.Input.Add(Value(name, shape));
        return this;
    }

    public GraphBuilder Output(string name, params long[] shape)
    {
        _g.Output.Add(Value(name, shape));
        return this;
    }

    public string Init(string name, long[] dims, params float[] values)
    {
        _g.Initializer.Add(TensorCodec.Create(name, dims, values));
        return name;
    }

    public string InitInt64(string name, long[] dims, params long[] values)
    {
        _g.Initializer.Add(TensorCodec.CreateInt64(name, dims, values));
        return name;
    }

    /// <summary>Adds a node; returns its (first) output name.</summary>
    public string Node(string op, string[] inputs, string? output = null, string? name = null, params (string Name, object Value)[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name ?? $"{op}_{_next++}" };
        n.Input.AddRange(inputs);
        n.Output.Add(output ?? n.Name + "_out");
        foreach (var (an, av) in attributes)
        {
            var a = new AttributeProto { Name = an };
            switch (av)
            {
                case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
                case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
                case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
                default: throw new ArgumentException($"attribute type {av.GetType()}");
            }
            n.Attribute.Add(a);
        }
        _g.Node.Add(n);
        return n.Output[0];
    }

    public OnnxModel Build(int opset = 13)
    {
        var m = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = _g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return OnnxModel.FromBytes(m.ToByteArrayHelper(), null, "<test graph>");
    }

    private static ValueInfoProto Value(string name, long[] shape)
    {
        var t = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() };
        foreach (long d in shape)
            t.Shape.Dim.Add(d > 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = t } };
    }
}

internal static class ProtoExtensions
{
    public static byte[] ToByteArrayHelper(this ModelProto m) => Google.Protobuf.MessageExtensions.ToByteArray(m);
}
