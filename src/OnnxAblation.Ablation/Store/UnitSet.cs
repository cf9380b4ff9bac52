namespace OnnxAblation.Ablation.Store;

/// <summary>Units of one layer (by layer name) that an ablation silences together.</summary>
public sealed record UnitSet(string Layer, IReadOnlyList<int> Units)
{
    public override string ToString() => $"{Layer}:{string.Join(",", Units)}";
}
