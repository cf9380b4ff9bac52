namespace OnnxAblation.Ablation.Units;

/// <summary>A weight-bearing node that is not an ablatable layer, with the specific reason.</summary>
public sealed record UnmappedNode(string Node, string OpType, string Reason)
{
    public override string ToString() => $"{OpType} '{Node}': {Reason}";
}
