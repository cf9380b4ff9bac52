namespace OnnxAblation.Importance;

/// <summary>|top-k units by metric ∩ top-k units by damage| / k.</summary>
public sealed record TopKOverlap(int K, double Overlap);
