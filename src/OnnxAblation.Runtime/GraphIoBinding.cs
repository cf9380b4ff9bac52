using Microsoft.ML.OnnxRuntime;

namespace OnnxAblation.Runtime;

/// <summary>
/// ONNX Runtime I/O binding of one <see cref="GraphSession"/>: which host buffers (<see cref="TensorBuffer"/>) and
/// provider-resident tensors (<see cref="DeviceTensor"/>) feed and receive its runs. ONNX Runtime copies host
/// inputs to the device and device outputs to bound host buffers itself; device tensors are used in place. A name
/// bound again replaces its earlier binding, so one binding serves many runs with different tensors.
/// </summary>
public sealed class GraphIoBinding : IDisposable
{
    internal GraphIoBinding(OrtIoBinding binding) => Inner = binding;

    internal OrtIoBinding Inner { get; }

    public void BindInput(string name, TensorBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Inner.BindInput(name, buffer.Value);
    }

    public void BindInput(string name, DeviceTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Inner.BindInput(name, tensor.Value);
    }

    public void BindOutput(string name, TensorBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Inner.BindOutput(name, buffer.Value);
    }

    public void BindOutput(string name, DeviceTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Inner.BindOutput(name, tensor.Value);
    }

    public void Dispose() => Inner.Dispose();
}
