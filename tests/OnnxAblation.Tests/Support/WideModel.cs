using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Tests.Support;

/// <summary>
/// Writes a wide MLP with external data, 784 → 2 × width → 16 → 10 (the two wide branches summed), like
/// tools/make_wide_model.py but streamed: width 360,000 makes a 2.30 GB model without holding it in memory.
/// Weights are seeded uniform values in ±0.01 (±0.1 for the last layer).
/// </summary>
internal static class WideModel
{
    public static long Write(string path, int width, ulong seed = 1)
    {
        string dataName = Path.GetFileName(path) + ".data";
        var graph = new GraphProto { Name = "wide" };
        using (var data = new FileStream(path + ".data", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            ulong state = seed;
            void Tensor(string name, long rows, long cols, float scale)
            {
                var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
                t.Dims.AddRange([rows, cols]);
                long offset = data.Position;
                var chunk = new float[1 << 18];
                for (long left = rows * cols; left > 0;)
                {
                    int n = (int)Math.Min(chunk.Length, left);
                    for (int i = 0; i < n; i++)
                    {
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17; // xorshift64
                        chunk[i] = ((state >> 40) / (float)(1 << 24) * 2 - 1) * scale;
                    }
                    data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
                    left -= n;
                }
                t.DataLocation = TensorProto.Types.DataLocation.External;
                t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
                t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (data.Position - offset).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                graph.Initializer.Add(t);
            }
            Tensor("w1a", 784, width, 0.01f);
            Tensor("w1b", 784, width, 0.01f);
            Tensor("w2a", width, 16, 0.01f);
            Tensor("w2b", width, 16, 0.01f);
            Tensor("w3", 16, 10, 0.1f);
        }
        NodeProto Node(string op, string name, params string[] io) =>
            new() { OpType = op, Name = name, Input = { io[..^1] }, Output = { io[^1] } };
        graph.Node.AddRange([
            Node("MatMul", "/fc1a/MatMul", "input", "w1a", "h1a"), Node("Relu", "r1a", "h1a", "a1a"),
            Node("MatMul", "/fc1b/MatMul", "input", "w1b", "h1b"), Node("Relu", "r1b", "h1b", "a1b"),
            Node("MatMul", "/fc2a/MatMul", "a1a", "w2a", "h2a"), Node("MatMul", "/fc2b/MatMul", "a1b", "w2b", "h2b"),
            Node("Add", "add", "h2a", "h2b", "h2"), Node("Relu", "r2", "h2", "a2"),
            Node("MatMul", "/fc3/MatMul", "a2", "w3", "output")]);
        graph.Input.Add(Value("input", 784));
        graph.Output.Add(Value("output", 10));
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        File.WriteAllBytes(path, model.ToByteArray());
        return new FileInfo(path).Length + new FileInfo(path + ".data").Length;
    }

    private static ValueInfoProto Value(string name, long size)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = size });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
