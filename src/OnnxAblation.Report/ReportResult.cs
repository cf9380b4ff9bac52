namespace OnnxAblation.Report;

/// <summary>What was written: the page, its plots, and their total size.</summary>
public sealed record ReportResult(string IndexPath, int Plots, long Bytes, IReadOnlyList<string> Notes);
