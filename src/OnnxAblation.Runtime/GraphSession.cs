using Microsoft.ML.OnnxRuntime;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>
/// An ONNX Runtime session over a model with several named float inputs and outputs (graph pieces such as a
/// cached prefix and an ablation suffix). Runs with caller-owned, pre-allocated <see cref="TensorBuffer"/>s.
/// </summary>
public sealed class GraphSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public GraphSession(OnnxModel model, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _session = SessionFactory.Create(model.ToBytes(), options, model.Source);
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
        _session.Run(_runOptions, binding.InputNames, binding.Inputs, binding.OutputNames, binding.Outputs);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
