namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// The one registry of what the engine knows per op type: layers (ops whose nodes carry units), how units flow
/// through every other op, and their cost. Unit discovery, unit following (coupling, zero-out), the FLOP counter
/// and the graph cut read from here. An op type without a handler stops unit following with a message naming it.
/// </summary>
internal static class OpRegistry
{
    private static readonly IOpHandler[] Handlers =
    [
        new GemmOp(), new MatMulOp(), new ConvOp(), new ConvTransposeOp(),
        new UnaryOps(), new BinaryOps(), new SpatialOps(), new ConcatOp(), new SplitOp(), new SliceOp(), new GatherOp(),
        new TransposeOp(), new ReshapeOps(), new ShapeOps(), new SoftmaxOps(), new ReduceOps(), new NormalizationOps(),
    ];

    private static readonly Dictionary<string, IOpHandler> ByOp = Build();

    internal static IOpHandler? For(string opType) => ByOp.GetValueOrDefault(opType);

    /// <summary>The handler of an op whose nodes can carry units, or null.</summary>
    internal static ILayerOp? Layer(string opType) => ByOp.GetValueOrDefault(opType) as ILayerOp;

    internal static IEnumerable<string> OpTypes => ByOp.Keys;

    private static Dictionary<string, IOpHandler> Build()
    {
        var map = new Dictionary<string, IOpHandler>(StringComparer.Ordinal);
        foreach (var h in Handlers)
            foreach (var op in h.OpTypes)
                if (!map.TryAdd(op, h)) throw new InvalidOperationException($"op type {op} has two handlers ({map[op].GetType().Name}, {h.GetType().Name})");
        return map;
    }
}
