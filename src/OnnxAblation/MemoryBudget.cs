using System.Globalization;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Runtime;

namespace OnnxAblation;

/// <summary>
/// The memory a session may use (<c>--memory</c>), split by one policy:
/// <list type="bullet">
/// <item>data: a quarter. An .npy file whose samples take more as floats is read from the file chunk by chunk;</item>
/// <item>ONNX Runtime's tensors (arenas): a quarter. Samples per run of the reference path and rows per run of the fast
///   path (all workers together) are cut to fit, by an upper-bound estimate of the bytes a sample's tensors take;</item>
/// <item>the fast path's prefix cache: a quarter. A layer whose prefix outputs for the whole data set do not fit is
///   streamed: its prefix runs again per call instead of being kept;</item>
/// <item>outputs of ablations scored together: a sixteenth;</item>
/// <item>the rest (3/16) for the model, the sessions' weights and the runtime itself; the fast path keeps a layer's
///   sessions between calls while they fit in the tensors' quarter plus half the rest, closing the least recently
///   used layer's first.</item>
/// </list>
/// </summary>
public sealed record MemoryBudget
{
    /// <summary>The smallest budget accepted.</summary>
    public const long MinimumBytes = 64L << 20;

    public MemoryBudget(long bytes, string origin)
    {
        if (bytes < MinimumBytes)
            throw new ArgumentException($"memory budget {Format(bytes)} is too small: give at least {Format(MinimumBytes)} (e.g. --memory 512M)");
        Bytes = bytes;
        Origin = origin;
    }

    public long Bytes { get; }

    /// <summary>Where the figure came from (the option as given, or the machine's free memory).</summary>
    public string Origin { get; }

    public long DataBytes => Bytes / 4;

    public long ActivationBytes => Bytes / 4;

    public long PrefixCacheBytes => Bytes / 4;

    public long OutputBytes => Bytes / 16;

    /// <summary>What the policy leaves for the model, the sessions' weights and the runtime.</summary>
    public long RestBytes => Bytes - DataBytes - ActivationBytes - PrefixCacheBytes - OutputBytes;

    /// <summary>Parses a size: a number with an optional K, M, G or T suffix (powers of 1024; "B", "iB" accepted), e.g. <c>2G</c>, <c>512M</c>, <c>1.5G</c>; a plain number is bytes.</summary>
    public static MemoryBudget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal)) t = t[..^2];
        else if (t.EndsWith('B')) t = t[..^1];
        double unit = 1;
        if (t.Length > 0 && "KMGT".Contains(t[^1], StringComparison.Ordinal))
        {
            unit = Math.Pow(1024, "KMGT".IndexOf(t[^1], StringComparison.Ordinal) + 1);
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v <= 0 || v * unit > long.MaxValue)
            throw new ArgumentException($"memory budget '{text}': expected a size such as 2G, 512M or 1.5G (K, M, G, T = powers of 1024)");
        return new MemoryBudget((long)(v * unit), $"--memory {text}");
    }

    /// <summary>
    /// Half of the memory the kernel says is available (MemAvailable in /proc/meminfo), or of what .NET sees elsewhere;
    /// under an address-space limit (<c>ulimit -v</c>), at most half of the address space still unmapped.
    /// </summary>
    public static MemoryBudget FromMachine()
    {
        long? available = MemAvailable();
        long total = available ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        string what = available is null ? "of the memory .NET sees" : "of MemAvailable";
        if (Runtime.MemoryLimits.AddressSpaceBytes() is long limit && PeakMemory.VirtualBytes() is long mapped && limit - mapped < total)
        {
            total = Math.Max(0, limit - mapped);
            what = "of the address space left under ulimit -v";
        }
        return new MemoryBudget(Math.Max(MinimumBytes, total / 2), $"half {what} ({Format(total)})");
    }

    /// <summary>Address space a study needs beyond what the runtimes have mapped at start-up (threads, JIT, ONNX Runtime's arenas).</summary>
    public const long MinimumHeadroomBytes = 768L << 20;

    /// <summary>
    /// Under an address-space limit (<c>ulimit -v</c>), refuses to start (an <see cref="InsufficientMemoryException"/>
    /// saying what to do) when less than <see cref="MinimumHeadroomBytes"/> is left unmapped: the .NET runtime reserves
    /// address space in proportion to the limit, and what is left decides whether threads and tensors can be made at all;
    /// failing later would be a native abort, not an error.
    /// </summary>
    public static void EnsureHeadroom()
    {
        if (Runtime.MemoryLimits.AddressSpaceBytes() is not long limit || PeakMemory.VirtualBytes() is not long mapped) return;
        long left = limit - mapped;
        if (left >= MinimumHeadroomBytes) return;
        throw new InsufficientMemoryException(
            $"the address-space limit (ulimit -v) is {limit >> 20} MB and only {Math.Max(0, left) >> 20} MB of it is left after the .NET runtime's start-up "
            + $"reservations; a study needs at least {MinimumHeadroomBytes >> 20} MB more (on this machine ulimit -v 8G leaves about 1.5 GB)");
    }

    /// <summary>The fast path's sizes from this budget, where <paramref name="fast"/> leaves them open.</summary>
    public FastOptions Apply(FastOptions fast)
    {
        ArgumentNullException.ThrowIfNull(fast);
        return fast with
        {
            PrefixCacheBytes = fast.PrefixCacheBytes ?? PrefixCacheBytes,
            OutputBudgetBytes = fast.OutputBudgetBytes ?? OutputBytes,
            ActivationBytes = fast.ActivationBytes ?? ActivationBytes,
            SessionBytes = fast.SessionBytes ?? ActivationBytes + RestBytes / 2,
        };
    }

    /// <summary>
    /// <paramref name="options"/> with samples per run cut so that a run's tensors fit the tensors' share, by the
    /// per-sample estimate of <paramref name="units"/> (unchanged when the shapes are unknown).
    /// </summary>
    public InferenceOptions Apply(InferenceOptions options, ModelUnits units)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(units);
        if (MemoryEstimate.ActivationBytesPerSample(units) is not long perSample || perSample <= 0) return options;
        long fit = Math.Max(1, ActivationBytes / perSample);
        return fit >= options.BatchSize ? options : options with { BatchSize = (int)fit };
    }

    /// <summary>The budget and its split, for one line of output.</summary>
    public string Describe() =>
        $"memory budget {Format(Bytes)} ({Origin}): data {Format(DataBytes)}, tensors {Format(ActivationBytes)}, prefix cache {Format(PrefixCacheBytes)}, outputs {Format(OutputBytes)}, rest {Format(RestBytes)}";

    public static string Format(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MB");

    private static long? MemAvailable()
    {
        try
        {
            if (!File.Exists("/proc/meminfo")) return null;
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
