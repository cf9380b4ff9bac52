using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxAblation.Runtime;

/// <summary>
/// A float tensor in the memory of a <see cref="GraphSession"/>'s execution provider (CUDA device memory on
/// <c>--device cuda</c>, host memory on the CPU): bound to runs through <see cref="GraphIoBinding"/>, it stays where
/// the provider computes, so activations passed from one session to another do not go through the host. The
/// tensor owns its OrtValue and frees the memory on dispose.
/// </summary>
public sealed class DeviceTensor : IDisposable
{
    internal DeviceTensor(OrtAllocator allocator, long[] shape)
    {
        Shape = shape;
        Value = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, shape);
    }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>Bytes the tensor holds.</summary>
    public long Bytes => Shape.Aggregate(1L, (a, b) => a * b) * sizeof(float);

    internal OrtValue Value { get; }

    public void Dispose() => Value.Dispose();
}
