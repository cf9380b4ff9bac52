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

    /// <summary>Reads every external tensor into raw_data, so the model is self-contained in memory.</summary>
    private static long Integer(string text, string key, string tensor, string source) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v
            : throw new OnnxFormatException($"{source}: tensor '{tensor}' has external-data {key} '{text}', not a non-negative integer");

    internal static void LoadAll(ModelProto model, string? baseDirectory, string source)
    {
        RefuseOverLimit(model, baseDirectory, source);
        foreach (var t in AllTensors(model.Graph))
        {
            if (t.DataLocation != TensorProto.Types.DataLocation.External) continue;
            if (baseDirectory is null)
                throw new OnnxFormatException($"{source}: tensor '{t.Name}' uses external data, but the model was given as bytes without a directory to resolve it");
            var kv = t.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            if (!kv.TryGetValue("location", out var location) || string.IsNullOrEmpty(location))
                throw new OnnxFormatException($"{source}: tensor '{t.Name}' is external but has no 'location'");
            if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
                throw new OnnxFormatException($"{source}: tensor '{t.Name}' external location '{location}' must be relative to the model's directory and stay inside it");
            string path = Path.Combine(baseDirectory, location);
            if (!File.Exists(path))
                throw new OnnxFormatException($"{source}: tensor '{t.Name}' needs external data file '{path}', which does not exist");
            long offset = kv.TryGetValue("offset", out var o) ? Integer(o, "offset", t.Name, source) : 0;
            long fileLength = new FileInfo(path).Length;
            long length = kv.TryGetValue("length", out var l) ? Integer(l, "length", t.Name, source) : fileLength - offset;
            if (offset < 0 || length < 0 || offset + length > fileLength)
                throw new OnnxFormatException($"{source}: tensor '{t.Name}' external data (offset {offset}, length {length}) runs past the end of '{path}' ({fileLength} bytes): truncated file?");
            var bytes = new byte[length];
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                fs.Seek(offset, SeekOrigin.Begin);
                fs.ReadExactly(bytes);
            }
            t.RawData = ByteString.CopyFrom(bytes);
            t.ExternalData.Clear();
            t.ClearDataLocation();
        }
    }

    /// <summary>
    /// The engine holds a model as one protobuf message, which cannot exceed 2 GB once its external data are read in: such
    /// a model is refused before any of its data is read, with its size, instead of failing deep inside (or after reading
    /// gigabytes).
    /// </summary>
    private static void RefuseOverLimit(ModelProto model, string? baseDirectory, string source)
    {
        if (baseDirectory is null) return;
        long external = 0;
        foreach (var t in AllTensors(model.Graph))
        {
            if (t.DataLocation != TensorProto.Types.DataLocation.External) continue;
            var kv = t.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            if (!kv.TryGetValue("location", out var location) || string.IsNullOrEmpty(location)) continue; // LoadAll names the problem
            if (kv.TryGetValue("length", out var l) && long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
                external += length;
            else if (!Path.IsPathRooted(location) && File.Exists(Path.Combine(baseDirectory, location)))
                external += new FileInfo(Path.Combine(baseDirectory, location)).Length;
        }
        long total = external + model.CalculateSize();
        if (total > OnnxSaveOptions.InlineLimitBytes)
            throw new OnnxFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: the model holds {total / 1e9:F2} GB with its external data ({external / 1e9:F2} GB); models over 2 GB are not supported yet: ") +
                "the engine holds a model as one protobuf message, which cannot exceed 2 GB. Export the part of the network you study (e.g. up to the layers of interest), or the weights as float16, to stay under 2 GB");
    }

    /// <summary>Moves tensors above the threshold into one side file; returns the model to serialise (a copy).</summary>
    internal static ModelProto Externalise(ModelProto model, string modelPath, OnnxSaveOptions options)
    {
        var copy = model.Clone();
        string fileName = options.ExternalDataFileName ?? Path.GetFileName(modelPath) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, fileName);
        using var fs = new FileStream(dataPath, FileMode.Create, FileAccess.Write);
        foreach (var t in AllTensors(copy.Graph))
        {
            if (!t.HasRawData() || t.RawData.Length < options.ExternalDataThresholdBytes) continue;
            long pad = (4096 - fs.Position % 4096) % 4096; // page-align like onnx.external_data_helper's convention
            if (pad > 0) fs.Write(new byte[pad]);
            long offset = fs.Position;
            fs.Write(t.RawData.Span);
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = fileName });
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = t.RawData.Length.ToString(CultureInfo.InvariantCulture) });
            t.DataLocation = TensorProto.Types.DataLocation.External;
            t.ClearRawData();
        }
        return copy;
    }
}
