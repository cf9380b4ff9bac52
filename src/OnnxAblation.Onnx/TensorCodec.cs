using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>
/// Reads and writes ONNX tensors as float32, whatever their stored element type
/// (float32, float16, bfloat16, float64, int8, uint8, int32, int64), from <c>raw_data</c> or the typed fields.
/// Writing keeps the tensor's element type and stores the values in <c>raw_data</c>.
/// </summary>
public static class TensorCodec
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int UInt8 = (int)TensorProto.Types.DataType.Uint8;
    private const int Int8 = (int)TensorProto.Types.DataType.Int8;
    private const int Int32 = (int)TensorProto.Types.DataType.Int32;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;
    private const int Float16 = (int)TensorProto.Types.DataType.Float16;
    private const int Double = (int)TensorProto.Types.DataType.Double;
    private const int BFloat16 = (int)TensorProto.Types.DataType.Bfloat16;

    /// <summary>Number of elements the tensor's dims describe.</summary>
    public static long ElementCount(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long n = 1;
        foreach (long d in tensor.Dims)
        {
            if (d < 0) throw new OnnxFormatException($"tensor '{tensor.Name}' has a negative dimension {d}");
            if (d != 0 && n > long.MaxValue / 16 / d)
                throw new OnnxFormatException($"tensor '{tensor.Name}' has dims [{string.Join(",", tensor.Dims)}], more elements than any file can hold");
            n *= d;
        }
        return n;
    }

    public static bool IsSupported(int dataType) =>
        dataType is Float or UInt8 or Int8 or Int32 or Int64 or Float16 or Double or BFloat16;

    private static int ElementSize(int dataType) => dataType switch
    {
        Float or Int32 => 4,
        UInt8 or Int8 => 1,
        Int64 or Double => 8,
        Float16 or BFloat16 => 2,
        _ => 0,
    };

    /// <summary>Bytes the tensor's values take in raw_data (or external data), or null for an element type not supported.</summary>
    internal static long? ByteCount(TensorProto tensor) =>
        IsSupported(tensor.DataType) ? ElementCount(tensor) * ElementSize(tensor.DataType) : null;

    /// <summary>Decodes the tensor into a new float array.</summary>
    public static float[] ToFloats(TensorProto tensor)
    {
        var result = new float[checked((int)ElementCount(tensor))];
        ReadInto(tensor, result);
        return result;
    }

    /// <summary>Decodes the tensor into <paramref name="destination"/>, which must have exactly its element count.</summary>
    public static void ReadInto(TensorProto tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long count = ElementCount(tensor);
        if (destination.Length != count)
            throw new ArgumentException($"tensor '{tensor.Name}' has {count} elements, destination has {destination.Length}", nameof(destination));
        int type = tensor.DataType;
        if (!IsSupported(type))
            throw new OnnxFormatException($"tensor '{tensor.Name}' has element type {DataTypeName(type)}, which is not supported (float32, float16, bfloat16, float64, int8, uint8, int32, int64 are)");
        if (ExternalData.Locate(tensor) is { } where)
        {
            // kept on disk (a model over the in-memory limit): read on demand, float32 straight into the destination
            if (where.Length != count * ElementSize(type))
                throw new OnnxFormatException($"tensor '{tensor.Name}' has {where.Length} bytes of external data, its dims and type need {count * ElementSize(type)}");
            if (type == Float && BitConverter.IsLittleEndian) ExternalData.Read(where, MemoryMarshal.AsBytes(destination));
            else DecodeRaw(type, ReadExternal(where), destination);
            return;
        }
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new OnnxFormatException($"tensor '{tensor.Name}' is stored as external data that was not loaded (load the model from its file path)");

        if (tensor.HasRawData())
        {
            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            if (raw.Length != count * ElementSize(type))
                throw new OnnxFormatException($"tensor '{tensor.Name}' raw_data has {raw.Length} bytes, its dims and type need {count * ElementSize(type)}");
            DecodeRaw(type, raw, destination);
            return;
        }
        DecodeTyped(tensor, type, destination, count);
    }

    private static void DecodeRaw(int type, ReadOnlySpan<byte> raw, Span<float> dst)
    {
        switch (type)
        {
            case Float:
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst);
                else for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                break;
            case Double:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                break;
            case Float16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(2 * i)..]);
                break;
            case BFloat16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BFloat16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]));
                break;
            case Int8:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)raw[i];
                break;
            case UInt8:
                for (int i = 0; i < dst.Length; i++) dst[i] = raw[i];
                break;
            case Int32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]);
                break;
            case Int64:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
                break;
        }
    }

    private static void DecodeTyped(TensorProto t, int type, Span<float> dst, long count)
    {
        int have = type switch
        {
            Float => t.FloatData.Count,
            Double => t.DoubleData.Count,
            Int64 => t.Int64Data.Count,
            _ => t.Int32Data.Count,
        };
        if (have != count)
            throw new OnnxFormatException($"tensor '{t.Name}' holds {have} values, its dims need {count}");
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = type switch
            {
                Float => t.FloatData[i],
                Double => (float)t.DoubleData[i],
                Int64 => t.Int64Data[i],
                Float16 => (float)BitConverter.UInt16BitsToHalf((ushort)t.Int32Data[i]),
                BFloat16 => BFloat16ToFloat((ushort)t.Int32Data[i]),
                _ => t.Int32Data[i],
            };
        }
    }

    /// <summary>
    /// Replaces the tensor's values, keeping its dims and element type; values go to <c>raw_data</c>
    /// and the typed fields are cleared. Integer types are rounded to nearest and saturated.
    /// </summary>
    public static void Write(TensorProto tensor, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long count = ElementCount(tensor);
        if (values.Length != count)
            throw new ArgumentException($"tensor '{tensor.Name}' has {count} elements, {values.Length} values given", nameof(values));
        int type = tensor.DataType;
        if (!IsSupported(type))
            throw new OnnxFormatException($"tensor '{tensor.Name}' has element type {DataTypeName(type)}, which cannot be written");
        tensor.FloatData.Clear();
        tensor.DoubleData.Clear();
        tensor.Int32Data.Clear();
        tensor.Int64Data.Clear();
        tensor.ExternalData.Clear();
        tensor.ClearDataLocation();
        tensor.RawData = ByteString.CopyFrom(Encode(type, values));
    }

    private static byte[] Encode(int type, ReadOnlySpan<float> v)
    {
        var bytes = new byte[v.Length * ElementSize(type)];
        Span<byte> b = bytes;
        switch (type)
        {
            case Float:
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(v).CopyTo(b);
                else for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b[(4 * i)..], v[i]);
                break;
            case Double:
                for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b[(8 * i)..], v[i]);
                break;
            case Float16:
                for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(b[(2 * i)..], (Half)v[i]);
                break;
            case BFloat16:
                for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b[(2 * i)..], FloatToBFloat16(v[i]));
                break;
            case Int8:
                for (int i = 0; i < v.Length; i++) b[i] = (byte)(sbyte)Math.Clamp(MathF.Round(v[i]), sbyte.MinValue, sbyte.MaxValue);
                break;
            case UInt8:
                for (int i = 0; i < v.Length; i++) b[i] = (byte)Math.Clamp(MathF.Round(v[i]), byte.MinValue, byte.MaxValue);
                break;
            case Int32:
                for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b[(4 * i)..], (int)Math.Clamp(Math.Round((double)v[i]), int.MinValue, int.MaxValue));
                break;
            case Int64:
                for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b[(8 * i)..], (long)Math.Round((double)v[i]));
                break;
        }
        return bytes;
    }

    /// <summary>A new float32 tensor with the given name, dims and values (raw_data).</summary>
    public static TensorProto Create(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values, int dataType = Float)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var t = new TensorProto { Name = name, DataType = dataType };
        t.Dims.AddRange(dims);
        Write(t, values);
        return t;
    }

    /// <summary>A new int64 tensor (shapes, axes) with the given values.</summary>
    public static TensorProto CreateInt64(string name, IReadOnlyList<long> dims, ReadOnlySpan<long> values)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var t = new TensorProto { Name = name, DataType = Int64 };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return t;
    }

    /// <summary>Reads an integer tensor (shape constants, axes) exactly, as int64.</summary>
    public static long[] ToInt64(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int n = checked((int)ElementCount(tensor));
        var r = new long[n];
        if (tensor.DataType == Int64)
        {
            if (ExternalData.Locate(tensor) is { } where && where.Length == 8L * n) MemoryMarshal.Cast<byte, long>(ReadExternal(where)).CopyTo(r);
            else if (tensor.HasRawData()) MemoryMarshal.Cast<byte, long>(tensor.RawData.Span)[..n].CopyTo(r);
            else for (int i = 0; i < n; i++) r[i] = tensor.Int64Data[i];
            return r;
        }
        var f = ToFloats(tensor);
        for (int i = 0; i < n; i++) r[i] = (long)f[i];
        return r;
    }

    private static byte[] ReadExternal(ExternalLocation where)
    {
        var bytes = new byte[where.Length];
        ExternalData.Read(where, bytes);
        return bytes;
    }

    internal static float BFloat16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    internal static ushort FloatToBFloat16(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint rounding = 0x7FFF + ((bits >> 16) & 1); // round to nearest even
        return (ushort)((bits + rounding) >> 16);
    }

    public static string DataTypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
            ? ((TensorProto.Types.DataType)dataType).ToString().ToLowerInvariant()
            : $"type {dataType}";
}
