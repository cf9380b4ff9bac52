namespace OnnxAblation.Ablation.Evaluation;

/// <summary>Where the fast path spends its time (see <see cref="LayerProfile"/>).</summary>
internal enum ProfilePart
{
    Prefix,
    Suffix,
    Mask,
    Copy,
    Score,
    Store,
}
