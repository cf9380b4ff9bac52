using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// The initializers of a session's graph that a large model keeps on disk (<see cref="OnnxModel.HasDataOnDisk"/>): the
/// graph given to ONNX Runtime declares them as inputs instead, and every run feeds them as OrtValues over the shared
/// mapping of their file (<see cref="MappedFile"/>), so no session copies or pre-packs them. A tensor whose offset is not
/// aligned to its element size is copied once into native memory this object owns.
/// </summary>
internal sealed unsafe class DiskWeights : IDisposable
{
    private readonly List<MappedFile> _files = [];
    private readonly List<IntPtr> _copies = [];
    private readonly List<OrtValue> _values = [];
    private readonly List<string> _names = [];

    private DiskWeights()
    {
    }

    /// <summary>Input names the weights take (not data inputs).</summary>
    public IReadOnlyList<string> Names => _names;

    public IReadOnlyList<OrtValue> Values => _values;

    /// <summary>
    /// For a model with tensors on disk: the weights and the bytes of the graph to give ONNX Runtime; for any other
    /// model, (null, its bytes).
    /// </summary>
    public static (DiskWeights? Weights, byte[] Model) Prepare(OnnxModel model)
    {
        if (!model.HasDataOnDisk) return (null, model.ToBytes());
        var proto = model.Proto.Clone();
        var graph = proto.Graph;
        var weights = new DiskWeights();
        try
        {
            // Tensors on disk inside node attributes (Constant values, subgraphs) are small in practice: read them in.
            foreach (var node in graph.Node) foreach (var a in node.Attribute) Inline(a);
            var declared = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            for (int i = graph.Initializer.Count - 1; i >= 0; i--)
            {
                var t = graph.Initializer[i];
                if (ExternalData.Locate(t) is not { } where) continue;
                weights.Add(t, where, model.Source);
                graph.Initializer.RemoveAt(i);
                if (declared.Contains(t.Name)) continue; // IR < 4 lists initializers among the inputs already
                var shape = new TensorShapeProto();
                foreach (long d in t.Dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
                graph.Input.Add(new ValueInfoProto { Name = t.Name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = t.DataType, Shape = shape } } });
            }
            return (weights, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static void Inline(AttributeProto a)
    {
        foreach (var t in a.T is null ? a.Tensors : a.Tensors.Append(a.T))
            if (ExternalData.Locate(t) is { } where) ExternalData.ReadIn(t, where);
        foreach (var g in a.G is null ? a.Graphs : a.Graphs.Append(a.G))
        {
            foreach (var t in g.Initializer) if (ExternalData.Locate(t) is { } where) ExternalData.ReadIn(t, where);
            foreach (var n in g.Node) foreach (var inner in n.Attribute) Inline(inner);
        }
    }

    private void Add(TensorProto t, ExternalLocation where, string source)
    {
        var type = (TensorElementType)t.DataType;
        int size = type switch
        {
            TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
            TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
            TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
            TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
            _ => throw new OnnxFormatException($"{source}: initializer '{t.Name}' on disk has element type {TensorCodec.DataTypeName(t.DataType)}, which the engine cannot feed to ONNX Runtime from its file"),
        };
        var file = MappedFile.Acquire(where.Path);
        _files.Add(file);
        if (where.Offset + where.Length > file.Length)
            throw new OnnxFormatException($"{source}: initializer '{t.Name}' runs past the end of '{where.Path}' ({file.Length} bytes): the file changed after loading?");
        byte* data = file.Start + where.Offset;
        if (where.Length == 0 || (long)data % size != 0)
        {
            var copy = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, where.Length), 64);
            _copies.Add((IntPtr)copy);
            Buffer.MemoryCopy(data, copy, where.Length, where.Length);
            data = copy;
        }
        _values.Add(OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, t.Dims.ToArray(), (IntPtr)data, where.Length));
        _names.Add(t.Name);
    }

    public void Dispose()
    {
        foreach (var v in _values) v.Dispose();
        _values.Clear();
        foreach (var c in _copies) NativeMemory.AlignedFree((void*)c);
        _copies.Clear();
        foreach (var f in _files) f.Release();
        _files.Clear();
    }
}
