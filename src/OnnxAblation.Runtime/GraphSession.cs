using Microsoft.ML.OnnxRuntime;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// An ONNX Runtime session over a model with several named float inputs and outputs (graph pieces such as a
/// cached prefix and an ablation suffix). Runs with caller-owned, pre-allocated <see cref="TensorBuffer"/>s.
/// </summary>
public sealed class GraphSession : IDisposable
{
    private readonly OrtSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly DeviceSpec _device;
    private OrtMemoryInfo? _deviceMemory;
    private OrtAllocator? _deviceAllocator;

    public GraphSession(OnnxModel model, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _session = SessionFactory.Create(model, options);
        _device = options.Device;
    }

    public IReadOnlyList<string> InputNames => _session.InputMetadata.Keys.ToList();

    public IReadOnlyList<string> OutputNames => _session.OutputMetadata.Keys.ToList();

    /// <summary>Fixes which buffers feed and receive a Run, so repeated runs allocate nothing.</summary>
    public GraphBinding Bind(IReadOnlyList<string> inputNames, IReadOnlyList<TensorBuffer> inputs, IReadOnlyList<string> outputNames, IReadOnlyList<TensorBuffer> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(outputs);
        return new GraphBinding(inputNames.ToArray(), inputs.Select(b => b.Value).ToArray(), outputNames.ToArray(), outputs.Select(b => b.Value).ToArray());
    }

    public void Run(GraphBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        MemoryExhausted.Guard(() => _session.Run(_runOptions, binding.InputNames, binding.Inputs, binding.OutputNames, binding.Outputs), "a run of the fast path's cut graph");
    }

    /// <summary>A tensor in the memory of this session's execution provider (CUDA device memory on a CUDA session).</summary>
    public DeviceTensor AllocateOnDevice(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (_deviceAllocator is null)
        {
            if (_device.IsCuda)
            {
                _deviceMemory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, _device.DeviceId, OrtMemType.Default);
                _deviceAllocator = new OrtAllocator(_session.Inner, _deviceMemory);
            }
            else
            {
                _deviceAllocator = OrtAllocator.DefaultInstance;
            }
        }
        return new DeviceTensor(_deviceAllocator, shape);
    }

    /// <summary>An empty I/O binding for <see cref="Run(GraphIoBinding)"/>.</summary>
    public GraphIoBinding CreateIoBinding() => new(_session.CreateIoBinding());

    /// <summary>Runs with an I/O binding; outputs bound to host buffers hold their values when this returns.</summary>
    public void Run(GraphIoBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        _session.Inner.RunWithBinding(_runOptions, binding.Inner);
        binding.Inner.SynchronizeBoundOutputs();
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        if (_deviceAllocator is not null && !ReferenceEquals(_deviceAllocator, OrtAllocator.DefaultInstance)) _deviceAllocator.Dispose();
        _deviceMemory?.Dispose();
        _session.Dispose();
    }
}
