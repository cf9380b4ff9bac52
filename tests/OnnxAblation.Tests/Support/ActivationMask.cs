using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Tests.Support;

/// <summary>
/// An oracle that does not go through the engine's rewrites: a copy of the model with a Mul by a 0/1 mask inserted
/// right after a tensor, so the given channels of that activation are exactly 0 for every sample.
/// </summary>
internal static class ActivationMask
{
    /// <param name="channelAxisFromEnd">1 for [N, C] or [B, T, C]; 3 for NCHW.</param>
    public static OnnxModel Zeroed(OnnxModel model, string tensor, int channels, IEnumerable<int> zeroed, int channelAxisFromEnd)
    {
        var m = model.Clone();
        var g = m.Graph;
        var mask = Enumerable.Repeat(1f, channels).ToArray();
        foreach (int c in zeroed) mask[c] = 0;
        var dims = new long[channelAxisFromEnd];
        Array.Fill(dims, 1L);
        dims[0] = channels;
        g.Initializer.Add(TensorCodec.Create(tensor + ".oracle_mask", dims, mask));
        string masked = tensor + ".oracle_masked";
        foreach (var n in g.Node)
            for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == tensor) n.Input[i] = masked;
        foreach (var o in g.Output.Where(o => o.Name == tensor)) o.Name = masked;
        var mul = new NodeProto { OpType = "Mul", Name = tensor + ".oracle_mul" };
        mul.Input.Add(tensor);
        mul.Input.Add(tensor + ".oracle_mask");
        mul.Output.Add(masked);
        int producer = g.Node.ToList().FindIndex(n => n.Output.Contains(tensor));
        g.Node.Insert(producer + 1, mul);
        return m;
    }
}
