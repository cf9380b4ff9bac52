namespace OnnxAblation.Ablation.Evaluation;

/// <summary>Sizes of the fast path's runs and memory.</summary>
public sealed record FastOptions
{
    /// <summary>Ablations evaluated together in one suffix run (K).</summary>
    public int AblationsPerRun { get; init; } = 8;

    /// <summary>Rows (K × samples) per suffix run; the data chunk is RowsPerRun / K samples.</summary>
    public int RowsPerRun { get; init; } = 512;

    /// <summary>Memory for the outputs of ablations scored together (bytes); bounds a group's size.</summary>
    public long OutputBudgetBytes { get; init; } = 256L * 1024 * 1024;
}
