namespace OnnxAblation.Report;

/// <summary>A store cannot be reported (no results, no baseline, nothing given); the message says what to run.</summary>
public sealed class ReportException : Exception
{
    public ReportException()
    {
    }

    public ReportException(string message) : base(message)
    {
    }

    public ReportException(string message, Exception inner) : base(message, inner)
    {
    }
}
