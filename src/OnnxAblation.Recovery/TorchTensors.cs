using OnnxAblation.Onnx;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace OnnxAblation.Recovery;

/// <summary>Conversions between ONNX tensors and TorchSharp tensors.</summary>
internal static class TorchTensors
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Double = (int)TensorProto.Types.DataType.Double;
    private const int Float16 = (int)TensorProto.Types.DataType.Float16;
    private const int BFloat16 = (int)TensorProto.Types.DataType.Bfloat16;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;
    private const int Int32 = (int)TensorProto.Types.DataType.Int32;
    private const int Int16 = (int)TensorProto.Types.DataType.Int16;
    private const int Int8 = (int)TensorProto.Types.DataType.Int8;
    private const int UInt8 = (int)TensorProto.Types.DataType.Uint8;
    private const int Bool = (int)TensorProto.Types.DataType.Bool;

    /// <summary>Floating-point element types: held as float32 (parameters when they are initializers).</summary>
    public static bool IsFloat(int dataType) => dataType is Float or Double or Float16 or BFloat16;

    /// <summary>A new tensor, outside any dispose scope: float types become float32, integer types keep their type.</summary>
    public static Tensor FromProto(TensorProto t, string owner)
    {
        long[] dims = t.Dims.ToArray();
        int type = t.DataType;
        Tensor result;
        if (IsFloat(type))
            result = torch.tensor(TensorCodec.ToFloats(t), dims);
        else if (type is Int64 or Int32 or Int16 or Int8 or UInt8)
        {
            long[] values = type == Int16 ? ReadInt16(t) : TensorCodec.ToInt64(t);
            var asLong = torch.tensor(values, dims);
            result = type == Int64 ? asLong : asLong.to_type(ScalarTypeOf(type), disposeAfter: true);
        }
        else if (type == Bool)
        {
            var asLong = torch.tensor(ReadBool(t), dims);
            result = asLong.to_type(ScalarType.Bool, disposeAfter: true);
        }
        else
            throw new RecoveryException($"{owner}: tensor '{t.Name}' has element type {TensorCodec.DataTypeName(type)}, which the TorchSharp executor does not handle");
        return result.DetachFromDisposeScope();
    }

    /// <summary>The TorchSharp type for an ONNX element type (Cast's 'to').</summary>
    public static ScalarType ScalarTypeOf(long onnxType) => onnxType switch
    {
        Float => ScalarType.Float32,
        Double => ScalarType.Float64,
        Float16 => ScalarType.Float16,
        BFloat16 => ScalarType.BFloat16,
        Int64 => ScalarType.Int64,
        Int32 => ScalarType.Int32,
        Int16 => ScalarType.Int16,
        Int8 => ScalarType.Int8,
        UInt8 => ScalarType.Byte,
        Bool => ScalarType.Bool,
        _ => throw new RecoveryException($"element type {TensorCodec.DataTypeName((int)onnxType)} is not supported by the TorchSharp executor"),
    };

    /// <summary>The values of a (small) integer tensor such as a shape or axes, as int64.</summary>
    public static long[] Longs(Tensor t)
    {
        using var asLong = t.to_type(ScalarType.Int64);
        using var flat = asLong.flatten();
        using var values = flat.data<long>();
        return values.ToArray();
    }

    /// <summary>The values of a float tensor, row-major.</summary>
    public static float[] Floats(Tensor t)
    {
        using var d = t.detach();
        using var f = d.to_type(ScalarType.Float32);
        using var c = f.contiguous();
        using var values = c.data<float>();
        return values.ToArray();
    }

    /// <summary>A scalar read as double (ratios, clip bounds).</summary>
    public static double Scalar(Tensor t)
    {
        using var d = t.detach();
        using var f = d.to_type(ScalarType.Float64);
        using var flat = f.flatten();
        using var first = flat[0];
        return first.item<double>();
    }

    private static long[] ReadInt16(TensorProto t)
    {
        int n = checked((int)TensorCodec.ElementCount(t));
        var r = new long[n];
        if (t.HasRawData())
        {
            var raw = t.RawData.Span;
            for (int i = 0; i < n; i++) r[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]);
        }
        else for (int i = 0; i < n; i++) r[i] = t.Int32Data[i];
        return r;
    }

    private static long[] ReadBool(TensorProto t)
    {
        int n = checked((int)TensorCodec.ElementCount(t));
        var r = new long[n];
        if (t.HasRawData()) for (int i = 0; i < n; i++) r[i] = t.RawData[i] != 0 ? 1 : 0;
        else for (int i = 0; i < n; i++) r[i] = t.Int32Data[i] != 0 ? 1 : 0;
        return r;
    }
}
