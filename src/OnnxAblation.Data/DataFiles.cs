using System.IO.Compression;

namespace OnnxAblation.Data;

/// <summary>File helpers shared by the readers: existence checks, gzip detection, exact reads.</summary>
internal static class DataFiles
{
    public static void RequireFile(string path, string spec)
    {
        if (!File.Exists(path))
            throw new DataFormatException(Directory.Exists(path)
                ? $"{spec}: '{path}' is a directory, expected a file"
                : $"{spec}: file not found: '{path}'");
    }

    public static void RequireDirectory(string path, string spec)
    {
        if (!Directory.Exists(path))
            throw new DataFormatException(File.Exists(path)
                ? $"{spec}: '{path}' is a file, expected a directory"
                : $"{spec}: directory not found: '{path}'");
    }

    /// <summary>Opens a file for reading, transparently decompressing it when it starts with the gzip magic (1F 8B).</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            if (n == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
                return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="stream"/>; a short read is reported as a truncated
    /// file, a corrupt gzip stream as such, both naming <paramref name="path"/> and <paramref name="what"/>.
    /// </summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        int read;
        try
        {
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"'{path}': corrupt gzip data while reading {what}: {e.Message}", e);
        }
        if (read < buffer.Length)
            throw new DataFormatException($"'{path}': file is truncated: expected {buffer.Length} bytes of {what}, found only {read}");
    }

    /// <summary>True when the stream has no more bytes (used to reject trailing garbage).</summary>
    /// <summary>
    /// Reads the <paramref name="count"/> bytes a header announced, growing the buffer as the data arrives (from 1 MiB,
    /// doubling): a crafted header that announces more than the file holds costs at most twice the bytes really there,
    /// then a clear error, never an allocation of the announced size.
    /// </summary>
    public static byte[] ReadAnnounced(Stream stream, int count, string path, string what)
    {
        var buffer = new byte[Math.Min(count, 1 << 20)];
        int done = 0;
        while (done < count)
        {
            if (done == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            int read;
            try
            {
                read = stream.Read(buffer, done, buffer.Length - done);
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException($"'{path}': corrupt gzip data while reading {what}: {e.Message}", e);
            }
            if (read == 0)
                throw new DataFormatException($"'{path}': file is truncated: its header announces {count} bytes of {what}, the file holds only {done}");
            done += read;
        }
        return buffer;
    }

    public static bool AtEnd(Stream stream)
    {
        Span<byte> one = stackalloc byte[1];
        try
        {
            return stream.Read(one) == 0;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }
}
