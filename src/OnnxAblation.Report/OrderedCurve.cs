using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Report;

/// <summary>A cumulative-ablation curve of one layer: one order (or the mean ± sd of the random orders) with its area.</summary>
/// <param name="Name">"random (N seeds)", "impact" or the order's name in the store (metric orders of correlate).</param>
/// <param name="Points">From <see cref="StudyAnalysis.Curve"/>.</param>
/// <param name="Area">From <see cref="StudyAnalysis.Area"/>.</param>
/// <param name="Missing">Prefix lengths whose ablation is not in the store (left out of the curve and its area).</param>
internal sealed record OrderedCurve(string Name, IReadOnlyList<CurvePoint> Points, double Area, int Missing);
