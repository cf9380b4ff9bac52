namespace OnnxAblation;

/// <summary>The engine's (done, total) progress of one stage, reported as <see cref="ProgressReport"/>s on the calling thread.</summary>
internal sealed class StageProgress(IProgress<ProgressReport>? outer, string stage, CancellationToken cancellation) : IProgress<(int Done, int Total)>, IProgress<(int Done, int Total, double Work)>, IProgress<int>
{
    private int _total;

    /// <summary>For stages that count samples: the total they count to.</summary>
    public StageProgress WithTotal(int total)
    {
        _total = total;
        return this;
    }

    public void Report((int Done, int Total) value)
    {
        cancellation.ThrowIfCancellationRequested();
        outer?.Report(new ProgressReport(stage, value.Done, value.Total));
    }

    /// <summary>With the fraction of the stage's work done (weighted by cost, e.g. FLOPs).</summary>
    public void Report((int Done, int Total, double Work) value)
    {
        cancellation.ThrowIfCancellationRequested();
        outer?.Report(new ProgressReport(stage, value.Done, value.Total, null, value.Work));
    }

    public void Report(int value) => Report((value, _total));

    /// <summary>A step with what it measured (e.g. a recovery epoch's accuracy).</summary>
    public void Report(int done, int total, string detail)
    {
        cancellation.ThrowIfCancellationRequested();
        outer?.Report(new ProgressReport(stage, done, total, detail));
    }
}
