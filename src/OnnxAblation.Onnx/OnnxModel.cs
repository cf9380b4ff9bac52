using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>
/// An ONNX model in memory: the one place that parses and writes ONNX protobuf.
/// External data is read in at load time, so a model is always self-contained once loaded.
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

    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new OnnxFormatException(Directory.Exists(path) ? $"{path}: is a directory, not an ONNX model file" : $"{path}: model file not found");
        byte[] bytes = File.ReadAllBytes(path);
        return FromBytes(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), path);
    }

    public static OnnxModel FromBytes(byte[] bytes, string? baseDirectory = null, string source = "<bytes>")
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
        ExternalData.LoadAll(proto, baseDirectory, source);
        foreach (var init in proto.Graph.Initializer)
        {
            if (TensorCodec.IsSupported(init.DataType) && init.HasRawData())
            {
                long want = TensorCodec.ElementCount(init);
                // size check catches truncated tensors early, with a clear message
                int size = init.DataType switch { 1 or 6 => 4, 2 or 3 => 1, 7 or 11 => 8, _ => 2 };
                if (init.RawData.Length != want * size)
                    throw new OnnxFormatException($"{source}: initializer '{init.Name}' has {init.RawData.Length} bytes of data, its shape [{string.Join(",", init.Dims)}] needs {want * size}");
            }
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

    /// <summary>The model serialised with every tensor inline.</summary>
    public byte[] ToBytes() => Proto.ToByteArray();

    /// <summary>Writes the model; tensors go to a side file on request or when the model exceeds 2 GB.</summary>
    public void Save(string path, OnnxSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new OnnxSaveOptions();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        bool external = options.ExternalData || Proto.CalculateSize() > OnnxSaveOptions.InlineLimitBytes;
        var toWrite = external ? ExternalData.Externalise(Proto, path, options) : Proto;
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            toWrite.WriteTo(fs);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>SHA-256 of the inline serialisation (hex): identifies a model in result stores.</summary>
    public string Sha256() => Convert.ToHexStringLower(SHA256.HashData(ToBytes()));

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
