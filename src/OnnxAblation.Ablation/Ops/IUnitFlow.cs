using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Ops;

/// <summary>What an op handler sees and does while a layer's units are followed through the graph.</summary>
internal interface IUnitFlow
{
    GraphIndex Graph { get; }

    /// <summary>Shape of a tensor (batch axis included) from the shape probe, or null (the flow then fails with the reason).</summary>
    long[]? Shape(string tensor);

    /// <summary>
    /// Values of an int64 tensor: a constant, or shape plumbing computed from tensor shapes (Shape → Gather → Div),
    /// as the shape probe saw it; null if neither.
    /// </summary>
    long[]? Integers(string tensor);

    /// <summary>The units are in <paramref name="tensor"/> as <paramref name="channels"/>; <paramref name="merged"/> when another layer's values are added to them there.</summary>
    void Continue(string tensor, Channels channels, bool merged = false);

    /// <summary>The units cannot be followed further: zero-out of the layer is unavailable, for this reason.</summary>
    void Fail(string why);

    /// <summary>The units reach a model output (through an output-only op such as a final Softmax).</summary>
    void ReachOutput();
}
