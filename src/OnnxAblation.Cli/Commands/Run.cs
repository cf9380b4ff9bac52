using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary>Runs a command body and turns the engine's known errors into one clear line and exit code 2.</summary>
internal static class Run
{
    public static int Guarded(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is OnnxFormatException or DataFormatException or AblationException or StoreMismatchException
                                      or StoreFormatException or StoreConflictException or RuntimeUnavailableException
                                      or ArgumentException or IOException or UnauthorizedAccessException or Report.ReportException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>A progress bar with ETA around <paramref name="work"/>; plain lines when output is not a terminal.</summary>
    public static T WithProgress<T>(string title, Func<IProgress<(int Done, int Total)>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.UtcNow;
            var start = DateTime.UtcNow;
            var plain = new SyncProgress(p =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 10 && p.Done != p.Total) return;
                last = DateTime.UtcNow;
                double elapsed = (DateTime.UtcNow - start).TotalSeconds;
                string eta = p.Done > 0 && p.Done < p.Total ? $", ETA {TimeSpan.FromSeconds(elapsed / p.Done * (p.Total - p.Done)):mm\\:ss}" : "";
                Console.Error.WriteLine($"{title}: {p.Done}/{p.Total}{eta}");
            });
            return work(plain);
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title);
                var p = new SyncProgress(x =>
                {
                    task.MaxValue = Math.Max(1, x.Total);
                    task.Value = x.Done;
                });
                result = work(p);
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
