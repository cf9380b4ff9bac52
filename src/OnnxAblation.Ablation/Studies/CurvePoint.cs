namespace OnnxAblation.Ablation.Studies;

/// <summary>A point of a cumulative ablation curve: n units ablated, accuracy mean ± sd over orders (seeds).</summary>
public sealed record CurvePoint(int Units, double Fraction, double Mean, double StdDev, int Orders);
