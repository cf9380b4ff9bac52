using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>ONNX external-data rules: <c>location</c> relative to the model file, optional <c>offset</c> and <c>length</c>.</summary>
internal static class ExternalData
{
    internal static IEnumerable<TensorProto> AllTensors(GraphProto graph)
    {
        foreach (var t in graph.Initializer) yield return t;
        foreach (var node in graph.Node)
        {
            foreach (var a in node.Attribute)
            {
                if (a.T is not null) yield return a.T;
                foreach (var t in a.Tensors) yield return t;
                if (a.G is not null) foreach (var t in AllTensors(a.G)) yield return t;
                foreach (var g in a.Graphs) foreach (var t in AllTensors(g)) yield return t;
            }
        }
    }

    private static long Integer(string text, string key, string tensor, string source) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v
            : throw new OnnxFormatException($"{source}: tensor '{tensor}' has external-data {key} '{text}', not a non-negative integer");

    /// <summary>
    /// Resolves every external tensor against <paramref name="baseDirectory"/> and checks it lies inside its file. A
    /// model whose size with its external data is at most <paramref name="inMemoryLimit"/> (and under protobuf's 2 GB)
    /// gets them read into raw_data, self-contained in memory; a larger one keeps them on disk, each tensor's location
    /// rewritten to the absolute path with explicit offset and length (<see cref="Locate"/>), read on demand.
    /// </summary>
    internal static void LoadAll(ModelProto model, string? baseDirectory, string source, long inMemoryLimit)
    {
        var external = AllTensors(model.Graph).Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        if (external.Count == 0) return;
        if (baseDirectory is null)
            throw new OnnxFormatException($"{source}: tensor '{external[0].Name}' uses external data, but the model was given as bytes without a directory to resolve it");
        var located = external.Select(t => (Tensor: t, Where: Resolve(t, baseDirectory, source))).ToList();
        long total = model.CalculateSize() + located.Sum(x => x.Where.Length);
        bool keepOnDisk = total > Math.Min(inMemoryLimit, OnnxSaveOptions.InlineLimitBytes);
        foreach (var (t, where) in located)
        {
            if (keepOnDisk)
            {
                Point(t, where);
                continue;
            }
            ReadIn(t, where);
        }
    }

    /// <summary>Reads a tensor's external bytes into its raw_data: it is held in memory from then on.</summary>
    internal static void ReadIn(TensorProto t, ExternalLocation where)
    {
        var bytes = new byte[where.Length];
        Read(where, bytes);
        t.RawData = ByteString.CopyFrom(bytes);
        t.ExternalData.Clear();
        t.ClearDataLocation();
    }

    private static ExternalLocation Resolve(TensorProto t, string baseDirectory, string source)
    {
        var kv = t.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (!kv.TryGetValue("location", out var location) || string.IsNullOrEmpty(location))
            throw new OnnxFormatException($"{source}: tensor '{t.Name}' is external but has no 'location'");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new OnnxFormatException($"{source}: tensor '{t.Name}' external location '{location}' must be relative to the model's directory and stay inside it");
        string path = Path.GetFullPath(Path.Combine(baseDirectory, location));
        if (!File.Exists(path))
            throw new OnnxFormatException($"{source}: tensor '{t.Name}' needs external data file '{path}', which does not exist");
        long offset = kv.TryGetValue("offset", out var o) ? Integer(o, "offset", t.Name, source) : 0;
        long fileLength = new FileInfo(path).Length;
        long length = kv.TryGetValue("length", out var l) ? Integer(l, "length", t.Name, source) : fileLength - offset;
        if (offset < 0 || length < 0 || offset > fileLength || length > fileLength - offset)
            throw new OnnxFormatException($"{source}: tensor '{t.Name}' external data (offset {offset}, length {length}) runs past the end of '{path}' ({fileLength} bytes): truncated file?");
        if (TensorCodec.ByteCount(t) is long want && want != length)
            throw new OnnxFormatException($"{source}: initializer '{t.Name}' has {length} bytes of external data, its shape [{string.Join(",", t.Dims)}] needs {want}");
        return new ExternalLocation(path, offset, length);
    }

    private static void Point(TensorProto t, ExternalLocation where)
    {
        t.ExternalData.Clear();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = where.Path });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = where.Offset.ToString(CultureInfo.InvariantCulture) });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = where.Length.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Where a tensor kept on disk at load time has its bytes; null for a tensor held in memory.</summary>
    internal static ExternalLocation? Locate(TensorProto t)
    {
        if (t.DataLocation != TensorProto.Types.DataLocation.External || t.ExternalData.Count != 3) return null;
        string? path = null;
        long offset = -1, length = -1;
        foreach (var e in t.ExternalData)
        {
            if (e.Key == "location") path = e.Value;
            else if (e.Key == "offset") long.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out offset);
            else if (e.Key == "length") long.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out length);
        }
        return path is not null && Path.IsPathRooted(path) && offset >= 0 && length >= 0 ? new ExternalLocation(path, offset, length) : null;
    }

    /// <summary>Reads a tensor's bytes from its file into <paramref name="destination"/> (exactly its length).</summary>
    internal static void Read(ExternalLocation where, Span<byte> destination)
    {
        using var fs = new FileStream(where.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        fs.Seek(where.Offset, SeekOrigin.Begin);
        fs.ReadExactly(destination);
    }

    /// <summary>Streams a tensor's bytes from its file to <paramref name="destination"/> in 1 MiB chunks.</summary>
    internal static void CopyTo(ExternalLocation where, Stream destination)
    {
        using var fs = new FileStream(where.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        fs.Seek(where.Offset, SeekOrigin.Begin);
        var buffer = new byte[1 << 20];
        for (long left = where.Length; left > 0;)
        {
            int n = (int)Math.Min(buffer.Length, left);
            fs.ReadExactly(buffer, 0, n);
            destination.Write(buffer, 0, n);
            left -= n;
        }
    }

    /// <summary>Moves tensors above the threshold into one side file; returns the model to serialise (a copy).</summary>
    internal static ModelProto Externalise(ModelProto model, string modelPath, OnnxSaveOptions options)
    {
        var copy = model.Clone();
        string fileName = options.ExternalDataFileName ?? Path.GetFileName(modelPath) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, fileName);
        if (AllTensors(copy.Graph).FirstOrDefault(t => Locate(t) is { } w && string.Equals(w.Path, Path.GetFullPath(dataPath), StringComparison.Ordinal)) is { } clash)
            throw new OnnxFormatException($"{modelPath}: cannot write the side file '{dataPath}': the model being saved reads its tensor '{clash.Name}' (and others) from it. Save to another file name");
        using var fs = new FileStream(dataPath, FileMode.Create, FileAccess.Write);
        foreach (var t in AllTensors(copy.Graph))
        {
            var where = Locate(t);
            if (where is null && (!t.HasRawData() || t.RawData.Length < options.ExternalDataThresholdBytes)) continue;
            long pad = (4096 - fs.Position % 4096) % 4096; // page-align like onnx.external_data_helper's convention
            if (pad > 0) fs.Write(new byte[pad]);
            long offset = fs.Position;
            if (where is { } w) CopyTo(w, fs); // kept on disk: copied in chunks, never held whole
            else fs.Write(t.RawData.Span);
            Point(t, new ExternalLocation(fileName, offset, fs.Position - offset));
            t.DataLocation = TensorProto.Types.DataLocation.External;
            t.ClearRawData();
        }
        return copy;
    }
}
