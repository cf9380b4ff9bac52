namespace OnnxAblation.Ablation.Studies;

/// <summary>What ablating one unit (or group) did, against the baseline; accuracies as fractions.</summary>
public sealed record UnitImpact(
    string Layer,
    IReadOnlyList<int> Units,
    double Accuracy,
    double DeltaAccuracy,
    double[] DeltaClassAccuracy,
    int WorstClass,
    double WorstClassDelta,
    int BestClass,
    double BestClassDelta,
    int FlippedToWrong,
    int FlippedToRight)
{
    /// <summary>How much more one class lost than the whole: high for class-selective units.</summary>
    public double Selectivity => -WorstClassDelta + DeltaAccuracy;
}
