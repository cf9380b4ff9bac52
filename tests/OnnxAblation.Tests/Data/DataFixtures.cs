using System.Buffers.Binary;
using System.IO.Compression;

namespace OnnxAblation.Tests.Data;

/// <summary>Paths of the data fixtures and small helpers to read and write IDX files independently of the loader.</summary>
internal static class DataFixtures
{
    public static string Dir => Path.Combine(TestPaths.Root, "tests", "OnnxAblation.Tests", "Fixtures", "data");

    public static string Fixture(string name) => Path.Combine(Dir, name);

    public static string FashionT10k => Path.Combine(TestPaths.FashionMnist, "t10k");

    public static byte[] ReadAllMaybeGzip(string path)
    {
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>The label bytes of an IDX label file (header skipped), read without the loader.</summary>
    public static byte[] ReadIdxLabels(string path) => ReadAllMaybeGzip(path)[8..];

    public static void WriteIdxImages(string path, int magic, int count, int rows, int cols, byte[] pixels)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        File.WriteAllBytes(path, [.. header, .. pixels]);
    }

    public static void WriteIdxLabels(string path, byte[] labels, int magic = 0x00000801)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        File.WriteAllBytes(path, [.. header, .. labels]);
    }
}
