using System.Globalization;
using System.Text;

namespace OnnxAblation.Data;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format versions 1.0, 2.0, 3.0): dtype descriptor, Fortran order,
/// shape, and where the data starts. The header dict is parsed with a small literal parser (no eval).
/// </summary>
internal sealed class NpyHeader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private NpyHeader(string descr, bool fortranOrder, long[] shape, int dataOffset)
    {
        Descr = descr;
        FortranOrder = fortranOrder;
        Shape = shape;
        DataOffset = dataOffset;
    }

    /// <summary>The dtype string, e.g. <c>&lt;f4</c>, <c>|u1</c>, <c>&lt;i8</c>.</summary>
    public string Descr { get; }

    public bool FortranOrder { get; }

    public long[] Shape { get; }

    /// <summary>Byte offset of the array data in the file.</summary>
    public int DataOffset { get; }

    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");

    public static NpyHeader Read(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[10];
        DataFiles.ReadExactly(stream, prefix[..8], path, ".npy header");
        if (!prefix[..6].SequenceEqual(Magic))
            throw new DataFormatException($"'{path}': not a NumPy .npy file (missing the \\x93NUMPY magic at the start)");
        byte major = prefix[6], minor = prefix[7];
        int headerLength, preamble;
        if (major == 1)
        {
            DataFiles.ReadExactly(stream, prefix[8..10], path, ".npy header length");
            headerLength = prefix[8] | (prefix[9] << 8);
            preamble = 10;
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            DataFiles.ReadExactly(stream, len, path, ".npy header length");
            uint l = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (l > 1 << 24) throw new DataFormatException($"'{path}': .npy header length {l} is implausibly large");
            headerLength = (int)l;
            preamble = 12;
        }
        else
        {
            throw new DataFormatException($"'{path}': unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)");
        }
        var bytes = new byte[headerLength];
        DataFiles.ReadExactly(stream, bytes, path, ".npy header dict");
        string text = major == 3 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
        return Parse(text, path, preamble + headerLength);
    }

    /// <summary>The header as shown in one-line errors: control characters escaped, at most 200 characters.</summary>
    private static string Shown(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text.Trim())
        {
            if (sb.Length >= 200) { sb.Append('…'); break; }
            if (char.IsControl(c)) sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static NpyHeader Parse(string text, string path, int dataOffset)
    {
        Dictionary<string, object> dict;
        try
        {
            dict = new PyLiteralParser(text).ParseDict();
        }
        catch (FormatException e)
        {
            throw new DataFormatException($"'{path}': bad .npy header {Shown(text)}: {e.Message}", e);
        }
        if (!dict.TryGetValue("descr", out object? d))
            throw new DataFormatException($"'{path}': bad .npy header (no 'descr' key): {Shown(text)}");
        if (d is not string descr)
            throw new DataFormatException($"'{path}': structured dtypes are not supported (descr is {DescribeValue(d)}); save a plain numeric array");
        if (!dict.TryGetValue("fortran_order", out object? f) || f is not bool fortran)
            throw new DataFormatException($"'{path}': bad .npy header (no boolean 'fortran_order' key): {Shown(text)}");
        if (!dict.TryGetValue("shape", out object? s) || s is not List<object> items || items.Any(i => i is not long l || l < 0))
            throw new DataFormatException($"'{path}': bad .npy header (no 'shape' tuple of non-negative integers): {Shown(text)}");
        return new NpyHeader(descr, fortran, items.Select(i => (long)i).ToArray(), dataOffset);
    }

    private static string DescribeValue(object v) => v switch
    {
        List<object> l => $"a list of {l.Count} fields",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "?",
    };
}
