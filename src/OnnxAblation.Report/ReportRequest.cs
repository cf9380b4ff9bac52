namespace OnnxAblation.Report;

/// <summary>What <see cref="HtmlReport.Write"/> reports: result stores, the output folder, optionally the model (weight metrics for the importance scatter plots).</summary>
public sealed record ReportRequest
{
    /// <summary>Result stores (SQLite files written by study, sweep, correlate, compare, recover), one page section each.</summary>
    public required IReadOnlyList<string> Stores { get; init; }

    /// <summary>Folder that receives index.html and plots/ (created if missing).</summary>
    public required string OutDir { get; init; }

    /// <summary>The model of the first store (its sha256 must match): adds weight metrics vs measured impact.</summary>
    public string? ModelPath { get; init; }
}
