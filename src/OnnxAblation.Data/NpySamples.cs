using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace OnnxAblation.Data;

/// <summary>
/// Samples of a C-order .npy file (float32, float64 or uint8) read from the file chunk by chunk instead of held in
/// memory: what a data set larger than its share of the memory budget becomes. Reads are positional (pread), so
/// workers read concurrently; each read converts and transforms exactly as loading into memory does.
/// </summary>
internal sealed class NpySamples
{
    private readonly Lazy<SafeFileHandle> _handle;

    public NpySamples(string path, long dataOffset, int itemSize, int sampleSize, int first, int count, SampleTransform transform)
    {
        Path = path;
        DataOffset = dataOffset;
        ItemSize = itemSize;
        SampleSize = sampleSize;
        First = first;
        Count = count;
        Transform = transform;
        _handle = new Lazy<SafeFileHandle>(() => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private NpySamples(NpySamples of, int first, int count)
    {
        Path = of.Path;
        DataOffset = of.DataOffset;
        ItemSize = of.ItemSize;
        SampleSize = of.SampleSize;
        Transform = of.Transform;
        First = first;
        Count = count;
        _handle = of._handle;
    }

    public string Path { get; }

    public long DataOffset { get; }

    /// <summary>Bytes per value in the file: 4 (float32), 8 (float64) or 1 (uint8).</summary>
    public int ItemSize { get; }

    public int SampleSize { get; }

    /// <summary>The file's row of this set's sample 0.</summary>
    public int First { get; }

    public int Count { get; }

    public SampleTransform Transform { get; }

    /// <summary>Samples [start, start + count) of this set, from the file.</summary>
    public NpySamples Slice(int start, int count) => new(this, First + start, count);

    /// <summary>Writes samples [<paramref name="start"/>, +<paramref name="count"/>) as transformed floats into <paramref name="destination"/>.</summary>
    public void Read(int start, int count, Span<float> destination)
    {
        const int chunkBytes = 1 << 20;
        int perChunk = Math.Max(1, chunkBytes / Math.Max(1, SampleSize * ItemSize));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(count, perChunk) * SampleSize * ItemSize);
        try
        {
            for (int done = 0; done < count;)
            {
                int n = Math.Min(perChunk, count - done);
                int bytes = n * SampleSize * ItemSize;
                long offset = DataOffset + (long)(First + start + done) * SampleSize * ItemSize;
                ReadExactly(buffer.AsSpan(0, bytes), offset);
                Span<float> dst = destination.Slice(done * SampleSize, n * SampleSize);
                ReadOnlySpan<byte> src = buffer.AsSpan(0, bytes);
                switch (ItemSize)
                {
                    case 4:
                        for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src.Slice(4 * i));
                        break;
                    case 8:
                        for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(8 * i));
                        break;
                    default:
                        for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                        break;
                }
                Transform.Apply(dst);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads every sample once and names the first value that is not finite (what loading into memory checks).</summary>
    public void Validate(string spec)
    {
        int step = Math.Max(1, (1 << 20) / SampleSize);
        var values = new float[Math.Min(step, Math.Max(1, Count)) * SampleSize];
        for (int s = 0; s < Count; s += step)
        {
            int n = Math.Min(step, Count - s);
            Read(s, n, values);
            for (int i = 0; i < n * SampleSize; i++)
                if (!float.IsFinite(values[i]))
                    throw new DataFormatException($"{spec}: sample {s + i / SampleSize} holds {values[i]} at position {i % SampleSize}; inputs must be finite");
        }
    }

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        try
        {
            while (buffer.Length > 0)
            {
                int n = RandomAccess.Read(_handle.Value, buffer, offset);
                if (n <= 0) throw new DataFormatException($"'{Path}': the file ended at byte {offset} while reading samples (was it truncated after loading?)");
                buffer = buffer[n..];
                offset += n;
            }
        }
        catch (IOException e)
        {
            throw new DataFormatException($"'{Path}': cannot read samples: {e.Message}", e);
        }
    }
}
