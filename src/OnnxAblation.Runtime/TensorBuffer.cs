using Microsoft.ML.OnnxRuntime;

namespace OnnxAblation.Runtime;

/// <summary>
/// A float array pinned as an ONNX Runtime tensor: write into <see cref="Data"/>, feed or receive it in
/// <see cref="GraphSession.Run"/> without copies. The buffer owns its OrtValue and disposes it.
/// </summary>
public sealed class TensorBuffer : IDisposable
{
    public TensorBuffer(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        Data = new float[checked((int)shape.Aggregate(1L, (a, b) => a * b))];
        Value = OrtValue.CreateTensorValueFromMemory(Data, shape);
    }

    public long[] Shape { get; }

    public float[] Data { get; }

    internal OrtValue Value { get; }

    public void Dispose() => Value.Dispose();
}
