namespace OnnxAblation;

/// <summary>How far a session's work is: the stage (e.g. "study (fast)", "activations"), its done/total count and, where a step has one, what it measured.</summary>
public readonly record struct ProgressReport(string Stage, int Done, int Total, string? Detail = null);
