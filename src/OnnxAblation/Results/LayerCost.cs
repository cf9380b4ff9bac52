namespace OnnxAblation.Results;

/// <summary>
/// One layer's share of a <see cref="StudyPlan"/>: the ablations the fast path cuts at it, their FLOPs on each path,
/// and the calibrated seconds (its first ablation, which computes the prefix, and each further one).
/// </summary>
public sealed record LayerCost(string Layer, int Units, int Ablations, double FastFlop, double ReferenceFlop,
    double FirstSeconds, double SecondsPerAblation, double ExpectedSeconds);
