namespace OnnxAblation;

/// <summary>How far a session's work is: the stage (e.g. "study (fast)", "activations") and its done/total count.</summary>
public readonly record struct ProgressReport(string Stage, int Done, int Total);
