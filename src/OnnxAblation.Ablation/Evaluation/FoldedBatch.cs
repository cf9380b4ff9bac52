using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Onnx;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// A tensor whose first axis folds the batch into the tokens, [B·T, C…] (torch's MultiheadAttention projects
/// [T·B, C] for its output projection): its shapes for 2 and 3 samples are [2T, …] and [3T, …]. Shapes cannot tell the
/// order of the fold, so values do: with two different samples, the sample-0 rows of a batch-major fold are the first T,
/// of a token-major fold every second. Across the cut the tensor travels unfolded, [B, T, C…], and is folded back after.
/// </summary>
internal sealed record FoldedBatch(long Tokens, bool TokenMajor, long[] Rest)
{
    /// <summary>T when <paramref name="two"/> and <paramref name="three"/> (shapes for 2 and 3 samples) fold the batch into axis 0; else null.</summary>
    public static long? Tokens2(long[] two, long[] three)
    {
        if (two.Length < 2 || two.Length != three.Length || two[0] % 2 != 0 || two[0] / 2 < 2 || three[0] != two[0] / 2 * 3) return null;
        for (int i = 1; i < two.Length; i++) if (two[i] != three[i]) return null;
        return two[0] / 2;
    }

    /// <summary>
    /// The order of each folded tensor's fold, from its values for two random samples against those for the first alone;
    /// null for a tensor that is neither batch- nor token-major (within 1e-4 relative).
    /// </summary>
    public static Dictionary<string, bool?> Orders(OnnxModel model, IReadOnlyList<(string Tensor, long Tokens)> tensors, IReadOnlyList<int> sampleShape)
    {
        int size = sampleShape.Aggregate(1, (a, b) => a * b);
        var rng = new Random(17);
        var x = Enumerable.Range(0, 2 * size).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] Values(int batch, string tensor)
        {
            var data = new Dataset(x[..(batch * size)], new int[batch], sampleShape.ToArray(), ["0"], "<fold probe>");
            float[]? got = null;
            ActivationProbe.Run(model, data, [tensor], new InferenceOptions { Threads = 1, BatchSize = batch }, (_, _, v, _) => got = v.ToArray());
            return got!;
        }
        static bool Near(float a, float b) => Math.Abs(a - b) <= 1e-4f * (1 + Math.Abs(b));
        var orders = new Dictionary<string, bool?>(StringComparer.Ordinal);
        foreach (var (t, tokens) in tensors)
        {
            float[] one = Values(1, t), two = Values(2, t);
            orders[t] = null;
            if (two.Length != 2 * one.Length || one.Length % tokens != 0) continue;
            int row = one.Length / (int)tokens;
            bool batchMajor = Enumerable.Range(0, one.Length).All(i => Near(two[i], one[i]));
            bool tokenMajor = Enumerable.Range(0, (int)tokens).All(j => Enumerable.Range(0, row).All(i => Near(two[(2 * j * row) + i], one[(j * row) + i])));
            if (batchMajor != tokenMajor) orders[t] = tokenMajor; // both: the samples do not tell them apart
        }
        return orders;
    }

    /// <summary>Prefix: <paramref name="inner"/> [B·T, C…] (or [T·B, C…]) → <paramref name="output"/> [B, T, C…].</summary>
    public void AddUnfold(GraphProto graph, string inner, string output)
    {
        ArgumentNullException.ThrowIfNull(graph);
        long[] shape = TokenMajor ? [Tokens, -1, .. Rest] : [-1, Tokens, .. Rest];
        string reshaped = TokenMajor ? output + ".token_major" : output;
        var r = new NodeProto { OpType = "Reshape", Name = output + ".unfold", Input = { inner, GraphCut.Const(graph, output + ".unfold_shape", shape) }, Output = { reshaped } };
        graph.Node.Add(r);
        if (TokenMajor) graph.Node.Add(Transpose(reshaped, output, Rest.Length + 2));
    }

    /// <summary>Suffix: <paramref name="input"/> [K·B, T, C…] → [K·B·T, C…] in the model's order; returns the folded tensor's name.</summary>
    public string AddRefold(GraphProto graph, string input, string tag)
    {
        ArgumentNullException.ThrowIfNull(graph);
        string source = input;
        if (TokenMajor)
        {
            graph.Node.Add(Transpose(input, tag + ".token_first", Rest.Length + 2));
            source = tag + ".token_first";
        }
        var r = new NodeProto { OpType = "Reshape", Name = tag + ".refold", Input = { source, GraphCut.Const(graph, tag + ".refold_shape", [-1, .. Rest]) }, Output = { tag + ".refold" } };
        graph.Node.Add(r);
        return tag + ".refold";
    }

    /// <summary>Swaps the first two axes of a rank-<paramref name="rank"/> tensor.</summary>
    private static NodeProto Transpose(string input, string output, int rank)
    {
        var n = new NodeProto { OpType = "Transpose", Name = output, Input = { input }, Output = { output } };
        n.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { new long[] { 1, 0 }.Concat(Enumerable.Range(2, rank - 2).Select(i => (long)i)) } });
        return n;
    }
}
