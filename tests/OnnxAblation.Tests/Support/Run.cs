using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Support;

/// <summary>Runs a model on given inputs through the engine's ONNX Runtime seam.</summary>
internal static class Run
{
    public static readonly InferenceOptions Options = new() { Threads = 1, BatchSize = 64 };

    /// <summary>Outputs for <paramref name="inputs"/> (samples × sample size).</summary>
    public static float[] Outputs(OnnxModel model, float[] inputs, int[] sampleShape)
    {
        int size = sampleShape.Aggregate(1, (a, b) => a * b);
        int n = inputs.Length / size;
        var data = new Dataset(inputs, new int[n], sampleShape, ["0"], "<test>");
        using var s = ModelSession.Create(model, Options, sampleShape);
        return Evaluator.Predict(s, data);
    }
}
