using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>
/// An ONNX model in memory: the one place that parses and writes ONNX protobuf.
/// External data is read in at load time, so a model is self-contained once loaded, unless the model with its data is
/// larger than <see cref="OnnxLoadOptions.InMemoryLimitBytes"/> (always above 2 GB): then its external tensors stay on
/// disk, referenced by absolute path, read on demand (<see cref="TensorCodec"/>), mapped once for ONNX Runtime, and copied
/// in chunks by <see cref="Save"/>.
/// </summary>
public sealed class OnnxModel
{
    private OnnxModel(ModelProto proto, string source)
    {
        Proto = proto;
        Source = source;
    }

    /// <summary>The protobuf message; rewriters change initializers through <see cref="SetInitializer"/>.</summary>
    public ModelProto Proto { get; }

    /// <summary>The file path or a description of where the model came from (used in messages).</summary>
    public string Source { get; }

    public GraphProto Graph => Proto.Graph;

    public static OnnxModel Load(string path) => Load(path, null);

    public static OnnxModel Load(string path, OnnxLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new OnnxFormatException(Directory.Exists(path) ? $"{path}: is a directory, not an ONNX model file" : $"{path}: model file not found");
        long size = new FileInfo(path).Length;
        if (size > OnnxSaveOptions.InlineLimitBytes)
            throw new OnnxFormatException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{path}: the file is {size / 1e9:F2} GB; one ONNX protobuf cannot exceed 2 GB, so this is not a valid ONNX file. ") +
                "Save models over 2 GB with their tensors as external data (onnx.save_model(model, path, save_as_external_data=True))");
        byte[] bytes = File.ReadAllBytes(path);
        return FromBytes(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), path, options);
    }

    public static OnnxModel FromBytes(byte[] bytes, string? baseDirectory = null, string source = "<bytes>", OnnxLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0)
            throw new OnnxFormatException($"{source}: file is empty, not an ONNX model");
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{source}: not a valid ONNX model ({bytes.Length} bytes; truncated or not ONNX): {e.Message}", e);
        }
        if (proto.IrVersion <= 0 || proto.Graph is null)
            throw new OnnxFormatException($"{source}: not an ONNX model (no ir_version or no graph: the file parses as protobuf but is something else)");
        if (proto.Graph.Node.Count == 0)
            throw new OnnxFormatException($"{source}: ONNX graph has no nodes");
        if (proto.Graph.Output.Count == 0)
            throw new OnnxFormatException($"{source}: ONNX graph has no outputs");
        ExternalData.LoadAll(proto, baseDirectory, source, (options ?? new OnnxLoadOptions()).InMemoryLimitBytes);
        foreach (var init in proto.Graph.Initializer)
        {
            // size check catches truncated tensors early, with a clear message
            if (init.HasRawData() && TensorCodec.ByteCount(init) is long want && init.RawData.Length != want)
                throw new OnnxFormatException($"{source}: initializer '{init.Name}' has {init.RawData.Length} bytes of data, its shape [{string.Join(",", init.Dims)}] needs {want}");
        }
        return new OnnxModel(proto, source);
    }

    /// <summary>Wraps an existing protobuf message (model builders, tests).</summary>
    public static OnnxModel FromProto(ModelProto proto, string source = "<built>")
    {
        ArgumentNullException.ThrowIfNull(proto);
        return new OnnxModel(proto, source);
    }

    public OnnxModel Clone() => new(Proto.Clone(), Source);

    /// <summary>
    /// A copy whose only graph output is <paramref name="name"/>: a declared output, or any tensor a node produces
    /// (an intermediate layer's output). Nodes only the dropped outputs need are left to ONNX Runtime to prune.
    /// </summary>
    public OnnxModel WithOutput(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var clone = Clone();
        var graph = clone.Graph;
        var declared = graph.Output.FirstOrDefault(o => o.Name == name);
        if (declared is null && !graph.Node.Any(n => n.Output.Contains(name)))
            throw new OnnxFormatException($"{Source}: no output or tensor named '{name}'. Outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}");
        graph.Output.Clear();
        graph.Output.Add(declared ?? new ValueInfoProto { Name = name });
        return clone;
    }

    /// <summary>Whether some tensors were kept on disk at load time (a model over the in-memory limit).</summary>
    public bool HasDataOnDisk => ExternalData.AllTensors(Graph).Any(t => ExternalData.Locate(t) is not null);

    /// <summary>The model serialised with every tensor inline, except those kept on disk (absolute references).</summary>
    public byte[] ToBytes() => Proto.ToByteArray();

    /// <summary>Writes the model; tensors go to a side file on request or when the model exceeds 2 GB.</summary>
    public void Save(string path, OnnxSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new OnnxSaveOptions();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        bool external = options.ExternalData || HasDataOnDisk || Proto.CalculateSize() > OnnxSaveOptions.InlineLimitBytes;
        var toWrite = external ? ExternalData.Externalise(Proto, path, options) : Proto;
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            toWrite.WriteTo(fs);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// SHA-256 (hex) that identifies a model in result stores: of the inline serialisation; for a model with tensors
    /// kept on disk, of the serialisation without their file references followed by their bytes in graph order,
    /// streamed from disk (where the files are does not change the hash).
    /// </summary>
    public string Sha256()
    {
        if (!HasDataOnDisk) return Convert.ToHexStringLower(SHA256.HashData(ToBytes()));
        var structure = Proto.Clone();
        var onDisk = new List<ExternalLocation>();
        foreach (var t in ExternalData.AllTensors(structure.Graph))
        {
            if (ExternalData.Locate(t) is not { } where) continue;
            onDisk.Add(where);
            t.ExternalData.Clear();
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(structure.ToByteArray());
        using var sink = new HashStream(hash);
        foreach (var where in onDisk) ExternalData.CopyTo(where, sink);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public TensorProto Initializer(string name) =>
        Graph.Initializer.FirstOrDefault(t => t.Name == name)
        ?? throw new OnnxFormatException($"{Source}: no initializer named '{name}'");

    public bool HasInitializer(string name) => Graph.Initializer.Any(t => t.Name == name);

    public float[] GetInitializer(string name) => TensorCodec.ToFloats(Initializer(name));

    public void SetInitializer(string name, ReadOnlySpan<float> values) => TensorCodec.Write(Initializer(name), values);

    /// <summary>Builds a fresh index; call again after changing nodes.</summary>
    public GraphIndex Index() => new(Graph, Source, Opset);

    /// <summary>The opset version of the default (ai.onnx) domain.</summary>
    public long Opset => Proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;
}
