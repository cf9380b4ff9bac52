using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Tests.Support;

/// <summary>
/// An oracle beside the engine's rewrites: a copy of the model with x·keep + value inserted after a tensor whose
/// channels lie on its last axis, so the given channels become the given constants (0, or a mean) for every sample
/// and position.
/// </summary>
internal static class ActivationReplace
{
    public static OnnxModel LastAxis(OnnxModel model, string tensor, int channels, IReadOnlyDictionary<int, float> replaced)
    {
        var m = model.Clone();
        var g = m.Graph;
        var keep = Enumerable.Repeat(1f, channels).ToArray();
        var add = new float[channels];
        foreach (var (c, v) in replaced)
        {
            keep[c] = 0;
            add[c] = v;
        }
        g.Initializer.Add(TensorCodec.Create(tensor + ".oracle_keep", [channels], keep));
        g.Initializer.Add(TensorCodec.Create(tensor + ".oracle_add", [channels], add));
        string kept = tensor + ".oracle_kept", replacedName = tensor + ".oracle_replaced";
        foreach (var n in g.Node)
            for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == tensor) n.Input[i] = replacedName;
        var mul = new NodeProto { OpType = "Mul", Name = tensor + ".oracle_mul", Input = { tensor, tensor + ".oracle_keep" }, Output = { kept } };
        var plus = new NodeProto { OpType = "Add", Name = tensor + ".oracle_add", Input = { kept, tensor + ".oracle_add" }, Output = { replacedName } };
        int producer = g.Node.ToList().FindIndex(n => n.Output.Contains(tensor));
        g.Node.Insert(producer + 1, plus);
        g.Node.Insert(producer + 1, mul);
        return m;
    }
}
