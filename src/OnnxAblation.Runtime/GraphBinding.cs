using Microsoft.ML.OnnxRuntime;

namespace OnnxAblation.Runtime;

/// <summary>Names and pinned tensors of one kind of <see cref="GraphSession"/> run (the buffers own the tensors).</summary>
public sealed class GraphBinding
{
    internal GraphBinding(string[] inputNames, OrtValue[] inputs, string[] outputNames, OrtValue[] outputs)
    {
        InputNames = inputNames;
        Inputs = inputs;
        OutputNames = outputNames;
        Outputs = outputs;
    }

    internal string[] InputNames { get; }

    internal OrtValue[] Inputs { get; }

    internal string[] OutputNames { get; }

    internal OrtValue[] Outputs { get; }
}
