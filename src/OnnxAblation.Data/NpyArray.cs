using System.Buffers.Binary;

namespace OnnxAblation.Data;

/// <summary>Reads the data of a C-order, little-endian .npy file as float32 (inputs) or int32 (labels).</summary>
internal static class NpyArray
{
    /// <summary>Inputs: float32, float64 or uint8 (uint8 values are not rescaled). Reads only the first <paramref name="maxRows"/> rows.</summary>
    public static (float[] Values, long[] Shape) ReadFloats(string path, int maxRows)
    {
        return Read(path, (header, stream) =>
        {
            if (header.Shape.Length == 0)
                throw new DataFormatException($"'{path}': inputs are a 0-d array (shape ()); the first axis must be the sample axis");
            long rows = header.Shape[0];
            long perRow = header.Shape.Skip(1).Aggregate(1L, (a, b) => checked(a * b));
            long take = Math.Min(rows, maxRows) * perRow;
            int item = ItemSize(path, header);
            CheckSize(path, header, stream, item);
            var values = new float[checked((int)take)];
            var chunk = new byte[(1 << 20) / item * item];
            for (long done = 0; done < take;)
            {
                int n = (int)Math.Min(chunk.Length / item, take - done);
                DataFiles.ReadExactly(stream, chunk.AsSpan(0, n * item), path, "array data");
                Span<float> dst = values.AsSpan((int)done, n);
                switch (item)
                {
                    case 4:
                        for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(chunk.AsSpan(4 * i));
                        break;
                    case 8:
                        for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(chunk.AsSpan(8 * i));
                        break;
                    default:
                        for (int i = 0; i < n; i++) dst[i] = chunk[i];
                        break;
                }
                done += n;
            }
            return (values, header.Shape);
        });
    }

    /// <summary>Shape, bytes per value and data offset of an inputs file (checked as <see cref="ReadFloats"/> checks it), without reading the data.</summary>
    public static (long[] Shape, int ItemSize, long DataOffset) Describe(string path)
    {
        return Read(path, (header, stream) =>
        {
            if (header.Shape.Length == 0)
                throw new DataFormatException($"'{path}': inputs are a 0-d array (shape ()); the first axis must be the sample axis");
            int item = ItemSize(path, header);
            CheckSize(path, header, stream, item);
            return (header.Shape, item, (long)header.DataOffset);
        });
    }

    private static int ItemSize(string path, NpyHeader header) => header.Descr[1..] switch
    {
        "f4" => 4,
        "f8" => 8,
        "u1" => 1,
        _ => throw new DataFormatException(
            $"'{path}': unsupported input dtype '{header.Descr}'; supported: float32 (<f4), float64 (<f8), uint8 (|u1)"),
    };

    /// <summary>Labels: any integer dtype, shape (N,) or (N, 1); values must fit in int32 and be non-negative.</summary>
    public static int[] ReadLabels(string path)
    {
        return Read(path, (header, stream) =>
        {
            if (!(header.Shape.Length == 1 || (header.Shape.Length == 2 && header.Shape[1] == 1)))
                throw new DataFormatException($"'{path}': labels must have shape (N,), found {header.ShapeText}");
            string kind = header.Descr[1..];
            if (kind.Length < 2 || kind[0] is not ('i' or 'u') || !int.TryParse(kind.AsSpan(1), out int item) || item is not (1 or 2 or 4 or 8))
                throw new DataFormatException(
                    $"'{path}': labels must have an integer dtype (int8/16/32/64 or uint8/16/32/64), found '{header.Descr}'");
            bool signed = kind[0] == 'i';
            CheckSize(path, header, stream, item);
            int count = checked((int)header.Shape[0]);
            var raw = new byte[checked(count * item)];
            DataFiles.ReadExactly(stream, raw, path, "label data");
            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<byte> b = raw.AsSpan(i * item, item);
                long v = (item, signed) switch
                {
                    (1, true) => (sbyte)b[0],
                    (1, false) => b[0],
                    (2, true) => BinaryPrimitives.ReadInt16LittleEndian(b),
                    (2, false) => BinaryPrimitives.ReadUInt16LittleEndian(b),
                    (4, true) => BinaryPrimitives.ReadInt32LittleEndian(b),
                    (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(b),
                    (8, true) => BinaryPrimitives.ReadInt64LittleEndian(b),
                    _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(b), long.MaxValue),
                };
                if (v < 0 || v > int.MaxValue)
                    throw new DataFormatException($"'{path}': label {i} is {v}; labels must be class indices 0..K-1");
                labels[i] = (int)v;
            }
            return labels;
        });
    }

    private static T Read<T>(string path, Func<NpyHeader, Stream, T> body)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            NpyHeader header = NpyHeader.Read(stream, path);
            if (header.FortranOrder)
                throw new DataFormatException(
                    $"'{path}': array is stored in Fortran order (fortran_order: True); only C order is supported — save np.ascontiguousarray(x)");
            if (header.Descr.Length < 2 || header.Descr[0] is not ('<' or '|'))
                throw new DataFormatException(
                    header.Descr.StartsWith('>')
                        ? $"'{path}': big-endian dtype '{header.Descr}' is not supported; save with x.astype(x.dtype.newbyteorder('<'))"
                        : $"'{path}': unsupported dtype '{header.Descr}'");
            return body(header, stream);
        }
        catch (IOException e)
        {
            throw new DataFormatException($"'{path}': cannot read .npy file: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new DataFormatException($"'{path}': .npy array is too large", e);
        }
    }

    private static void CheckSize(string path, NpyHeader header, Stream stream, int item)
    {
        long expected = checked(header.ElementCount * item);
        long actual = stream.Length - header.DataOffset;
        if (actual != expected)
            throw new DataFormatException(actual < expected
                ? $"'{path}': file is truncated: shape {header.ShapeText} of '{header.Descr}' needs {expected} data bytes, found {actual}"
                : $"'{path}': file has {actual - expected} extra bytes after the {expected} data bytes of shape {header.ShapeText}");
    }
}
