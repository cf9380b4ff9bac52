using System.Buffers.Binary;

namespace OnnxAblation.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or not: a uint8 image file (magic 0x00000803,
/// dims N×H×W) and a uint8 label file (magic 0x00000801, dim N). Pixels are scaled to [0,1] (÷255).
/// </summary>
internal static class IdxReader
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    private static readonly float[] ByteToUnit = BuildByteTable();

    public static RawData Load(DataSpec spec, int? limit)
    {
        (string images, string? labels) = ResolvePaths(spec);
        if (labels is null)
        {
            (float[] x, int r, int c) = ReadImages(images, -1, limit ?? int.MaxValue, "");
            return new RawData(x, new int[x.Length / (r * c)], [1, r, c], 1, ClassCountFixed: false, Labelled: false);
        }
        byte[] labelBytes = ReadLabels(labels);
        int count = labelBytes.Length;
        int n = Math.Min(count, limit ?? int.MaxValue);
        (float[] features, int rows, int cols) = ReadImages(images, count, n, labels);

        var labelInts = new int[n];
        int max = 0;
        for (int i = 0; i < count; i++)
        {
            if (i < n) labelInts[i] = labelBytes[i];
            max = Math.Max(max, labelBytes[i]);
        }
        return new RawData(features, labelInts, [1, rows, cols], max + 1, ClassCountFixed: false);
    }

    /// <summary><c>PREFIX</c> → PREFIX-images-idx3-ubyte[.gz] + PREFIX-labels-idx1-ubyte[.gz] (no labels file: unlabelled); or <c>IMAGES,LABELS</c>.</summary>
    private static (string Images, string? Labels) ResolvePaths(DataSpec spec)
    {
        string[] parts = spec.PathParts();
        if (parts.Length == 2)
        {
            DataFiles.RequireFile(parts[0], spec.Text);
            DataFiles.RequireFile(parts[1], spec.Text);
            return (parts[0], parts[1]);
        }
        if (parts.Length != 1)
            throw new DataFormatException($"{spec.Text}: expected idx:PREFIX or idx:IMAGES_FILE,LABELS_FILE");
        string images = FindWithOptionalGz(parts[0] + "-images-idx3-ubyte", spec.Text);
        string labels = parts[0] + "-labels-idx1-ubyte";
        return (images, File.Exists(labels) ? labels : File.Exists(labels + ".gz") ? labels + ".gz" : null);
    }

    private static string FindWithOptionalGz(string path, string spec)
    {
        if (File.Exists(path)) return path;
        if (File.Exists(path + ".gz")) return path + ".gz";
        throw new DataFormatException($"{spec}: IDX file not found: neither '{path}' nor '{path}.gz' exists");
    }

    private static byte[] ReadLabels(string path)
    {
        try
        {
            using Stream s = DataFiles.OpenMaybeGzip(path);
            Span<byte> header = stackalloc byte[8];
            DataFiles.ReadExactly(s, header, path, "IDX label header");
            CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), LabelsMagic, "labels (uint8, 1-D)");
            int count = ReadDim(header[4..], path, "label count");
            var labels = DataFiles.ReadAnnounced(s, count, path, $"{count} labels");
            if (!DataFiles.AtEnd(s))
                throw new DataFormatException($"'{path}': unexpected bytes after the {count} labels the header announces");
            return labels;
        }
        catch (IOException e)
        {
            throw new DataFormatException($"'{path}': cannot read IDX label file: {e.Message}", e);
        }
    }

    private static (float[] Features, int Rows, int Cols) ReadImages(string path, int labelCount, int n, string labelsPath)
    {
        try
        {
            using Stream s = DataFiles.OpenMaybeGzip(path);
            Span<byte> header = stackalloc byte[16];
            DataFiles.ReadExactly(s, header[..4], path, "IDX image header");
            CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), ImagesMagic, "images (uint8, 3-D)");
            DataFiles.ReadExactly(s, header[4..], path, "IDX image header");
            int count = ReadDim(header[4..], path, "image count");
            int rows = ReadDim(header[8..], path, "row count");
            int cols = ReadDim(header[12..], path, "column count");
            if (labelCount < 0) n = Math.Min(n, count);
            else if (count != labelCount)
                throw new DataFormatException($"'{path}' has {count} images but '{labelsPath}' has {labelCount} labels");
            if (rows == 0 || cols == 0)
                throw new DataFormatException($"'{path}': images of size {rows}×{cols}");
            long image = (long)rows * cols;
            if (image > Array.MaxLength)
                throw new DataFormatException($"'{path}': images of {rows}×{cols} pixels are larger than one array holds: not an image file?");
            int size = (int)image;
            long total = (long)n * size;
            if (total > Array.MaxLength)
                throw new DataFormatException($"'{path}': {n} images of {rows}×{cols} ({total} pixels) are more than one array holds; use ?limit=N or fewer images");
            // grown as pixels arrive (doubling): a header announcing more images than the file holds costs at most twice
            // the bytes really there before the truncation error, never the announced size
            var features = new float[Math.Min(total, 1L << 22)];
            var chunk = new byte[Math.Min(total, 1 << 20)]; // whatever an image's announced size
            for (long done = 0; done < total;)
            {
                int take = (int)Math.Min(chunk.Length, total - done);
                DataFiles.ReadExactly(s, chunk.AsSpan(0, take), path, $"pixel data at offset {16 + done} ({n} images of {rows}×{cols} = {total} bytes announced)");
                if (done + take > features.Length) Array.Resize(ref features, (int)Math.Min(total, Math.Max(done + take, 2L * features.Length)));
                Span<float> dst = features.AsSpan((int)done, take);
                for (int i = 0; i < take; i++) dst[i] = ByteToUnit[chunk[i]];
                done += take;
            }
            if (n == count && !DataFiles.AtEnd(s))
                throw new DataFormatException($"'{path}': unexpected bytes after the {count} images the header announces");
            return (features, rows, cols);
        }
        catch (IOException e)
        {
            throw new DataFormatException($"'{path}': cannot read IDX image file: {e.Message}", e);
        }
    }

    private static void CheckMagic(string path, int magic, int expected, string what)
    {
        if (magic == expected) return;
        string found = (magic >>> 16) != 0 || (magic & 0xFF00) == 0
            ? "which is not an IDX file (an IDX magic is 0x000008nn)"
            : $"an IDX file of type 0x{(magic >> 8) & 0xFF:X2} with {magic & 0xFF} dimensions";
        throw new DataFormatException($"'{path}': bad IDX magic number 0x{magic:X8} ({found}); expected 0x{expected:X8} for {what}");
    }

    private static int ReadDim(ReadOnlySpan<byte> bytes, string path, string what)
    {
        int d = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (d < 0) throw new DataFormatException($"'{path}': invalid {what} {d} in the IDX header");
        return d;
    }

    private static float[] BuildByteTable()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = i / 255f;
        return t;
    }
}
