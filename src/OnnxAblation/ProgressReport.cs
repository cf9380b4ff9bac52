namespace OnnxAblation;

/// <summary>
/// How far a session's work is: the stage (e.g. "study (fast)", "activations"), its done/total count, where a step has
/// one what it measured, and where the work per item is known (a study: FLOPs per ablation on its path) the fraction
/// of the stage's work done, which ETAs use instead of the count.
/// </summary>
public readonly record struct ProgressReport(string Stage, int Done, int Total, string? Detail = null, double? Work = null);
