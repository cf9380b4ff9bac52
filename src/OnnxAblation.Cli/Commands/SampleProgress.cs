namespace OnnxAblation.Cli.Commands;

/// <summary>Turns a samples-done count into the (done, total) pairs <see cref="Run.WithProgress{T}"/> shows.</summary>
internal sealed class SampleProgress(IProgress<(int Done, int Total)> inner, int total) : IProgress<int>
{
    public void Report(int value) => inner.Report((value, total));
}
