namespace OnnxAblation.Requests;

/// <summary>Every unit of the chosen layers ablated alone, plus optional groups and whole layers.</summary>
public sealed record SweepRequest : StudySettings
{
    /// <summary>Layer names (null: every hidden layer; empty: none, only the groups).</summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>Groups ablated together, e.g. "fc1:3,15;fc2:0".</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Also ablate each chosen layer entirely.</summary>
    public bool WholeLayers { get; init; }
}
