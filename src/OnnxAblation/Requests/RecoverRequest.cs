using OnnxAblation.Data;
using OnnxAblation.Recovery;

namespace OnnxAblation.Requests;

/// <summary>Recovery training: the damage (given, or the most damaging of a study), the training data and how to train.</summary>
public sealed record RecoverRequest
{
    /// <summary>Training data; the session's data is the test set every epoch is measured on.</summary>
    public required Dataset Train { get; init; }

    /// <summary>Damage to recover from, e.g. "fc1:3,15"; null: only the study's.</summary>
    public string? Units { get; init; }

    /// <summary>Also recover the most damaging single unit and pair stored in this study store (with a control run).</summary>
    public string? FromStudy { get; init; }

    /// <summary>Where the curves are stored (default: <see cref="FromStudy"/>; null: not stored).</summary>
    public string? StorePath { get; init; }

    public RecoveryOptions Training { get; init; } = new();
}
