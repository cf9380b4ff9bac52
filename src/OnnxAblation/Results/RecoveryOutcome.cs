using OnnxAblation.Recovery;

namespace OnnxAblation.Results;

/// <summary>Recovery runs against the intact network's test accuracy.</summary>
public sealed record RecoveryOutcome(double IntactAccuracy, RecoveryOptions Training, IReadOnlyList<RecoveryRun> Runs);
