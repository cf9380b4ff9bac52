namespace OnnxAblation.Ablation.Units;

/// <summary>
/// A weight-bearing node (Gemm, MatMul with a weight initializer, Conv, ConvTranspose) whose output
/// neurons or channels are the units an ablation silences.
/// </summary>
public sealed class Layer
{
    /// <summary>The node's name, or its weight initializer's name where the node has none.</summary>
    public required string Name { get; init; }

    public required int NodeIndex { get; init; }

    public required string OpType { get; init; }

    public required string WeightName { get; init; }

    public required IReadOnlyList<long> WeightShape { get; init; }

    /// <summary>Which input of the node holds the weight: 1, or 0 for a MatMul whose weight is the left operand (W·X).</summary>
    public int WeightInput { get; init; } = 1;

    /// <summary>Output neurons (Gemm/MatMul) or output channels (Conv/ConvTranspose).</summary>
    public required int UnitCount { get; init; }

    /// <summary>Bias initializer (Gemm C, Conv B, or the constant of the Add after a MatMul), if any.</summary>
    public string? BiasName { get; init; }

    /// <summary>The node that adds the bias when it is separate (MatMul + Add).</summary>
    public int? BiasNodeIndex { get; init; }

    /// <summary>Tensor with the units' pre-activation values (after the bias, before any BatchNorm).</summary>
    public required string OutputTensor { get; init; }

    /// <summary>A BatchNormalization that normalises this layer's output alone, if kept in the graph.</summary>
    public int? BatchNormNodeIndex { get; init; }

    /// <summary>
    /// Per-channel constants of a BatchNorm written as Mul/Add/Sub nodes right after the layer (or its BatchNorm):
    /// coupled like a BatchNorm's scale and shift, so a zero-in unit outputs exactly 0 after them.
    /// </summary>
    public IReadOnlyList<string> AffineTensors { get; init; } = [];

    /// <summary>Tensor after the coupled BatchNorm and affine nodes (or <see cref="OutputTensor"/> without them).</summary>
    public required string UnitTensor { get; init; }

    /// <summary>Number of the layer in graph order among all layers (0-based).</summary>
    public required int Position { get; init; }

    /// <summary>Its units reach a graph output without passing another layer (the classifier).</summary>
    public bool IsOutputLayer { get; internal set; }

    /// <summary>Why outgoing weights of the units could not be followed, or null if they could.</summary>
    public string? OutgoingProblem { get; internal set; }

    /// <summary>Op type and node where following the units stopped (with <see cref="OutgoingProblem"/>).</summary>
    public (string OpType, string Node)? OutgoingStop { get; internal set; }

    /// <summary>Outgoing weights pass a residual Add, so zeroing them would also silence another layer's channel.</summary>
    public bool OutgoingMerged { get; internal set; }

    /// <summary>
    /// For a layer of attention heads: the attention. Its units are heads; each is a group of the value layer's units
    /// (<see cref="Channels"/>) and of the context the output projection reads.
    /// </summary>
    public Attention.AttentionHeads? Attention { get; init; }

    /// <summary>Channels of <see cref="UnitTensor"/> on the units' axis (the value layer's units for heads).</summary>
    public int ChannelCount
    {
        get => _channelCount ?? UnitCount;
        init => _channelCount = value;
    }

    private readonly int? _channelCount;

    /// <summary>The channels of <see cref="UnitTensor"/> that <paramref name="unit"/> is: itself, or a head's value units.</summary>
    public IReadOnlyList<int> Channels(int unit) => Attention?.ValueUnits(unit) ?? [unit];

    internal Ops.ILayerOp Op { get; init; } = null!;

    public override string ToString() => $"{Name} ({OpType}, {UnitCount} units)";
}
