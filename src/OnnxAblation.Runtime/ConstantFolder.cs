using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// Values of tensors that depend on initializers and constants alone (an initializer behind Identity, Transpose,
/// Reshape, Cast, Unsqueeze, Slice, a Constant or ConstantOfShape node, …): ONNX Runtime evaluates the subgraph
/// that produces them, so every op is computed exactly as inference computes it.
/// </summary>
public static class ConstantFolder
{
    /// <summary>
    /// Float values of those <paramref name="tensors"/> that no graph input reaches, as new initializers named by
    /// <paramref name="nameFor"/>; tensors that depend on an input, or are not float, are left out.
    /// </summary>
    public static Dictionary<string, TensorProto> Fold(OnnxModel model, IReadOnlyList<string> tensors, Func<string, string> nameFor)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(nameFor);
        var result = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        var g = model.Index();
        var wanted = tensors.Distinct().Where(t => !g.IsInitializer(t) && g.IsConstant(t)).ToList();
        var nodes = new HashSet<int>();
        var stack = new Stack<string>(wanted);
        while (stack.Count > 0)
        {
            int p = g.Producer(stack.Pop());
            if (p >= 0 && nodes.Add(p)) foreach (var i in g.Node(p).Input) if (i.Length > 0) stack.Push(i);
        }
        if (wanted.Count == 0) return result;
        var graph = new GraphProto { Name = "constant-folding" };
        foreach (int i in nodes.Order()) graph.Node.Add(model.Graph.Node[i]);
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        graph.Initializer.AddRange(model.Graph.Initializer.Where(x => read.Contains(x.Name)));
        foreach (var t in wanted) graph.Output.Add(new ValueInfoProto { Name = t });
        var proto = new ModelProto { IrVersion = Math.Max(model.Proto.IrVersion, 4), Graph = graph };
        proto.OpsetImport.AddRange(model.Proto.OpsetImport);
        proto.Functions.AddRange(model.Proto.Functions);
        using var session = SessionFactory.Create(OnnxModel.FromProto(proto, model.Source + " (constant subgraphs)"), new InferenceOptions { Threads = 1 });
        using var runOptions = new RunOptions();
        using var values = session.Run(runOptions, Array.Empty<string>(), Array.Empty<OrtValue>(), wanted.ToArray());
        for (int i = 0; i < wanted.Count; i++)
        {
            var info = values[i].GetTensorTypeAndShape();
            if (info.ElementDataType != TensorElementType.Float) continue;
            result[wanted[i]] = TensorCodec.Create(nameFor(wanted[i]), info.Shape, values[i].GetTensorDataAsSpan<float>());
        }
        return result;
    }
}
