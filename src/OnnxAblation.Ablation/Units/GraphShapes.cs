using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Units;

/// <summary>
/// Shapes of every tensor a node produces, probed by ONNX Runtime with one batch of zeros (of every element type:
/// int64 shape plumbing included), or the reason they could not be learned; unit following and the FLOP counter
/// read them.
/// </summary>
internal sealed class GraphShapes
{
    private GraphShapes(IReadOnlyDictionary<string, long[]>? shapes, string? problem, int batch, IReadOnlyDictionary<string, long[]>? integers = null)
    {
        Known = shapes;
        Integers = integers ?? new Dictionary<string, long[]>();
        Problem = problem;
        Batch = batch;
    }

    public IReadOnlyDictionary<string, long[]>? Known { get; }

    /// <summary>Values of small int64 tensors (shape plumbing) seen in the probe.</summary>
    public IReadOnlyDictionary<string, long[]> Integers { get; }

    /// <summary>Why shapes are unknown (null when they are known).</summary>
    public string? Problem { get; }

    /// <summary>The batch size the shapes were probed with (1, or the model's fixed batch).</summary>
    public int Batch { get; }

    /// <summary>The values of an int64 tensor: a constant, or one seen in the probe; null if unknown.</summary>
    public long[]? IntegersOf(GraphIndex g, string tensor) =>
        g.ConstantOrNull(tensor) is { } t ? TensorCodec.ToInt64(t) : Integers.GetValueOrDefault(tensor);

    public long[]? Of(GraphIndex g, string tensor) =>
        g.InitializerOrNull(tensor) is { } init ? init.Dims.ToArray() : Known?.GetValueOrDefault(tensor);

    public static GraphShapes Probe(OnnxModel model, GraphIndex g, IReadOnlyList<int>? sampleShape)
    {
        var hint = sampleShape ?? ModelSampleShape(g);
        if (hint is null)
            return new GraphShapes(null, "the model input has symbolic dims and no data was given to learn the shapes", 1);
        var tensors = model.Graph.Node.SelectMany(n => n.Output).Where(t => t.Length > 0 && !g.IsInitializer(t)).Distinct().ToList();
        try
        {
            var integers = new Dictionary<string, long[]>(StringComparer.Ordinal);
            var shapes = ActivationProbe.Shapes(model, tensors, hint, new InferenceOptions { Threads = 1 }, integers);
            var input = g.RealInputs.Count == 1 ? g.DeclaredShape(g.RealInputs[0].Name) : null;
            int batch = input is { Length: > 0 } && input[0] is long b ? (int)b : 1;
            return new GraphShapes(shapes, null, batch, integers);
        }
        catch (Exception e) when (e is OnnxFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return new GraphShapes(null, "tensor shapes could not be probed: " + e.Message, 1);
        }
    }

    private static int[]? ModelSampleShape(GraphIndex g)
    {
        if (g.RealInputs.Count != 1) return null;
        var s = g.DeclaredShape(g.RealInputs[0].Name);
        if (s is null || s.Length < 2 || s.Skip(1).Any(d => d is null)) return null;
        return s.Skip(1).Select(d => (int)d!.Value).ToArray();
    }
}
