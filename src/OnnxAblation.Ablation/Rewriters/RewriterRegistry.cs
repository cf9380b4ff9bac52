namespace OnnxAblation.Ablation.Rewriters;

/// <summary>The op types whose units can be ablated, each with its rewriter.</summary>
internal static class RewriterRegistry
{
    private static readonly Dictionary<string, ILayerRewriter> ByOp = new ILayerRewriter[]
    {
        new GemmRewriter(), new MatMulRewriter(), new ConvRewriter(), new ConvTransposeRewriter(),
    }.ToDictionary(r => r.OpType, StringComparer.Ordinal);

    internal static ILayerRewriter? For(string opType) => ByOp.GetValueOrDefault(opType);

    internal static IEnumerable<string> OpTypes => ByOp.Keys;
}
