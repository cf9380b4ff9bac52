namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// The paper's split of a pair's damage (Meyes et al. 2019): samples the pair loses that one of the single
/// ablations already loses, and samples lost only when both units are ablated (redundant coding).
/// Points are percentage points of all samples.
/// </summary>
public sealed record PairRedundancy(
    string Layer,
    int UnitA,
    int UnitB,
    double PairAccuracy,
    double DropPoints,
    double SingleAPoints,
    double SingleBPoints,
    double ExplainedPoints,
    double JointOnlyPoints);
