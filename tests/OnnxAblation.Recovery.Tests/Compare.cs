using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxAblation.Onnx;
using TorchSharp;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Runs a graph through ONNX Runtime and through <see cref="OnnxTorchModule"/> and compares.</summary>
internal static class Compare
{
    /// <summary>ONNX Runtime's first output for <paramref name="input"/> of <paramref name="shape"/> (flat) and its shape.</summary>
    public static (float[] Values, int[] Shape) Ort(OnnxModel model, float[] input, int[] shape)
    {
        using var session = new InferenceSession(model.ToBytes());
        string name = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(input, shape))]);
        var t = results.First().AsTensor<float>();
        return (t.ToArray(), t.Dimensions.ToArray());
    }

    /// <summary>The module's output (eval mode unless told) for the same input.</summary>
    public static (float[] Values, long[] Shape) Torch(OnnxTorchModule module, float[] input, int[] shape)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(input, shape.Select(d => (long)d).ToArray());
        var y = module.forward(x);
        return (TorchTensors.Floats(y), y.shape);
    }

    /// <summary>Random input uniform in [-1, 1).</summary>
    public static float[] RandomInput(int[] shape, int seed = 5)
    {
        var rng = new Random(seed);
        var v = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Asserts the module equals ONNX Runtime within <paramref name="tolerance"/> (max absolute difference); returns it.</summary>
    public static double AssertSame(OnnxModel model, float[] input, int[] shape, double tolerance = 1e-4)
    {
        var (ort, ortShape) = Ort(model, input, shape);
        using var module = new OnnxTorchModule(model);
        module.eval();
        var (mine, myShape) = Torch(module, input, shape);
        Assert.Equal(ortShape.Select(d => (long)d).ToArray(), myShape);
        double max = MaxAbsDiff(ort, mine);
        Assert.True(max <= tolerance, $"max |ORT - torch| = {max:g4} > {tolerance:g4}");
        return max;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }
}
