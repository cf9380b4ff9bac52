namespace OnnxAblation.Recovery;

/// <summary>Which weights recovery training may change (held, ablated weights never change).</summary>
public enum RecoveryScope
{
    /// <summary>Every weight, bias and BatchNorm scale/shift of the network.</summary>
    All,

    /// <summary>
    /// Only layers downstream of the (first) damaged layer: those the damaged layer's units reach through the graph.
    /// The damaged layer itself, its bias and BatchNorm, and everything before or beside it stay fixed.
    /// </summary>
    AfterDamage,

    /// <summary>Only the output (classifier) layer: its weights, bias and BatchNorm.</summary>
    LastLayer,
}
