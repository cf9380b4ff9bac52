using System.IO.MemoryMappedFiles;

namespace OnnxAblation.Runtime;

/// <summary>
/// A read-only memory mapping of a model's external-data file, one per file per process and shared (counted) by every
/// <see cref="DiskWeights"/> that reads from it: all ONNX Runtime sessions of a model see the same pages, so the weights
/// are resident once, in the page cache, whatever the number of sessions.
/// </summary>
internal sealed unsafe class MappedFile
{
    private static readonly Dictionary<string, MappedFile> Open = new(StringComparer.Ordinal);
    private readonly string _path;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private int _users;

    private MappedFile(string path)
    {
        _path = path;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Start = p + _view.PointerOffset;
            Length = (long)_view.SafeMemoryMappedViewHandle.ByteLength - _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    /// <summary>The first byte of the file.</summary>
    public byte* Start { get; }

    public long Length { get; }

    /// <summary>The mapping of <paramref name="path"/>, made on first use; pair with <see cref="Release"/>.</summary>
    public static MappedFile Acquire(string path)
    {
        lock (Open)
        {
            if (!Open.TryGetValue(path, out var m)) Open[path] = m = new MappedFile(path);
            m._users++;
            return m;
        }
    }

    public void Release()
    {
        lock (Open)
        {
            if (--_users > 0) return;
            Open.Remove(_path);
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
