using System.Globalization;
using System.Runtime.InteropServices;
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
    /// <summary>Cancelled by the first Ctrl-C: long work stops after what is finished is committed.</summary>
    private static readonly CancellationTokenSource Interrupt = CreateInterrupt();

    /// <summary>SIGTERM (what schedulers, systemd and <c>kill</c> send) stops like Ctrl-C; kept alive for the process's life.</summary>
    private static PosixSignalRegistration? _terminate;

    /// <summary>Set when SIGTERM, not Ctrl-C, stopped the work (exit code 143 instead of 130).</summary>
    private static volatile bool _terminated;

    private static CancellationTokenSource CreateInterrupt()
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // a second Ctrl-C ends the process at once
            e.Cancel = true;
            cts.Cancel();
        };
        try
        {
            _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                if (cts.IsCancellationRequested) return; // a second SIGTERM ends the process at once
                c.Cancel = true;
                _terminated = true;
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
        }
        return cts;
    }

    public static int Guarded(Func<int> body) => Guarded(_ => body());

    /// <summary>Like <see cref="Guarded(Func{int})"/>, with a token that Ctrl-C cancels (exit 130, results so far kept).</summary>
    public static int Guarded(Func<CancellationToken, int> body)
    {
        try
        {
            return body(Interrupt.Token);
        }
        catch (OperationCanceledException) when (Interrupt.IsCancellationRequested)
        {
            Console.Error.WriteLine($"interrupted ({(_terminated ? "SIGTERM" : "Ctrl-C")}): every result finished so far is stored; run the same command again to resume");
            return _terminated ? 143 : 130;
        }
        catch (Exception e) when (e is OnnxFormatException or DataFormatException or AblationException or StoreMismatchException
                                      or StoreFormatException or StoreConflictException or RuntimeUnavailableException
                                      or ArgumentException or IOException or UnauthorizedAccessException or Report.ReportException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (OutOfMemoryException e)
        {
            // ONNX Runtime's allocation failures arrive as InsufficientMemoryException (with the limit in force);
            // .NET's own as OutOfMemoryException. Results are committed one by one, so what finished is stored.
            string what = e is InsufficientMemoryException ? e.Message : "the .NET runtime could not allocate memory" + Runtime.MemoryLimits.AddressSpace();
            Console.Error.WriteLine($"error: out of memory: {what}. Every result finished so far is stored: give a smaller --memory budget or --batch-size, "
                                    + "or raise the limit (ulimit -v, the container's memory), and run the same command again to resume");
            return 3;
        }
    }

    /// <summary>A progress bar with ETA around <paramref name="work"/>; plain lines when output is not a terminal.</summary>
    public static T WithProgress<T>(string title, Func<IProgress<(int Done, int Total)>, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Staged(p => work(new SyncProgress<(int Done, int Total)>(x => p.Report(new ProgressReport(title, x.Done, x.Total)))));
    }

    /// <summary>Progress of the library's stages: a bar with ETA per stage; plain lines when output is not a terminal.</summary>
    public static T Staged<T>(Func<IProgress<ProgressReport>, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.UtcNow;
            var start = DateTime.UtcNow;
            string? stage = null;
            double from = 0;
            // The fraction done: of the work (FLOPs) where the stage reports it, else of the count.
            static double Fraction(ProgressReport p) => p.Work ?? (p.Total > 0 ? (double)p.Done / p.Total : 0);
            var plain = new SyncProgress<ProgressReport>(p =>
            {
                if (p.Stage != stage)
                {
                    stage = p.Stage;
                    start = DateTime.UtcNow;
                    from = Fraction(p); // a resumed stage starts with what is stored: the rate counts only what is done now
                }
                else if ((DateTime.UtcNow - last).TotalSeconds < 10 && p.Done != p.Total) return;
                last = DateTime.UtcNow;
                double elapsed = (DateTime.UtcNow - start).TotalSeconds, f = Fraction(p);
                string work = p.Work is double w ? string.Create(CultureInfo.InvariantCulture, $" ({w * 100:F1}% of the work)") : "";
                string eta = f > from && f < 1 ? $", ETA {TimeSpan.FromSeconds(elapsed / (f - from) * (1 - f)):h\\:mm\\:ss}" : "";
                Console.Error.WriteLine($"{p.Stage}: {p.Done}/{p.Total}{work}{eta}");
            });
            return work(plain);
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var p = new SyncProgress<ProgressReport>(x =>
                {
                    if (!tasks.TryGetValue(x.Stage, out var task)) tasks[x.Stage] = task = ctx.AddTask(Markup.Escape(x.Stage));
                    task.MaxValue = Math.Max(1, x.Total);
                    // with the work fraction (FLOPs) known, the bar and its remaining time follow the work, not the count
                    task.Value = x.Work is double w ? w * task.MaxValue : x.Done;
                });
                result = work(p);
                foreach (var task in tasks.Values) task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
