using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace OnnxAblation.Recovery;

/// <summary>
/// The operators transformer exports add to the executor's set: layer norm written out (ReduceMean, Pow, Sqrt),
/// exact GELU (Erf), and the shape plumbing of class tokens and masks (ConstantOfShape, Expand, Equal, Where).
/// Like <see cref="OnnxOps"/>, every method returns new tensors.
/// </summary>
internal static class TransformerOps
{
    /// <summary>Operator types (default domain) that <see cref="Run"/> executes.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "ReduceMean", "Pow", "Sqrt", "Erf", "ConstantOfShape", "Expand", "Equal", "Where",
    };

    public static Tensor Run(NodeProto node, Tensor?[] x, OpContext ctx) => node.OpType switch
    {
        "ReduceMean" => ReduceMean(node, x, ctx),
        "Pow" => Pow(In(node, x, 0), In(node, x, 1)),
        "Sqrt" => In(node, x, 0).sqrt(),
        "Erf" => In(node, x, 0).erf(),
        "ConstantOfShape" => ConstantOfShape(node, In(node, x, 0)),
        "Expand" => Expand(node, In(node, x, 0), In(node, x, 1)),
        "Equal" => In(node, x, 0).eq(In(node, x, 1)),
        "Where" => torch.where(In(node, x, 0).to_type(ScalarType.Bool), In(node, x, 1), In(node, x, 2)),
        _ => throw OnnxOps.Unsupported(node, "<graph>"),
    };

    private static Tensor In(NodeProto node, Tensor?[] x, int i) =>
        i < x.Length && x[i] is { } t ? t
            : throw new RecoveryException($"{NodeAttributes.Describe(node)}: input {i} is missing");

    /// <summary>ONNX Pow keeps the base's type; an exponent of 2 (layer norm's variance) is an exact square.</summary>
    private static Tensor Pow(Tensor a, Tensor b)
    {
        if (b.numel() == 1 && TorchTensors.Scalar(b) == 2.0) return a * a;
        using var e = b.to_type(a.dtype);
        return a.pow(e);
    }

    private static Tensor ReduceMean(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        bool keep = NodeAttributes.Int(node, "keepdims", 1) != 0;
        long[]? axes = ctx.Opset >= 18
            ? x.Length > 1 && x[1] is { } a ? TorchTensors.Longs(a) : null
            : NodeAttributes.Ints(node, "axes");
        if (axes is null || axes.Length == 0)
        {
            if (NodeAttributes.Int(node, "noop_with_empty_axes", 0) != 0) return input.alias();
            axes = Enumerable.Range(0, (int)input.dim()).Select(i => (long)i).ToArray();
        }
        long rank = input.dim();
        var dims = axes.Select(d => d < 0 ? d + rank : d).ToArray();
        if (dims.Any(d => d < 0 || d >= rank))
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: axes [{string.Join(",", axes)}] are outside the input's rank {rank}");
        return input.mean(dims, keepdim: keep);
    }

    private static Tensor ConstantOfShape(NodeProto node, Tensor shape)
    {
        long[] dims = TorchTensors.Longs(shape);
        if (NodeAttributes.Find(node, "value") is not { T: { } value })
            return torch.zeros(dims, ScalarType.Float32);
        using var one = TorchTensors.FromProto(value, NodeAttributes.Describe(node));
        return one.reshape([]).expand(dims).contiguous();
    }

    /// <summary>Bidirectional broadcast of the input against the given shape (a 1 in the shape keeps the input's size).</summary>
    private static Tensor Expand(NodeProto node, Tensor input, Tensor shapeTensor)
    {
        long[] target = TorchTensors.Longs(shapeTensor);
        long[] shape = input.shape;
        int rank = Math.Max(target.Length, shape.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long a = i - (rank - shape.Length) is var ia && ia >= 0 ? shape[ia] : 1;
            long b = i - (rank - target.Length) is var ib && ib >= 0 ? target[ib] : 1;
            if (a != b && a != 1 && b != 1)
                throw new RecoveryException($"{NodeAttributes.Describe(node)}: input shape [{string.Join(",", shape)}] does not broadcast to [{string.Join(",", target)}]");
            result[i] = a == 1 ? b : a;
        }
        return input.expand(result).contiguous();
    }
}
