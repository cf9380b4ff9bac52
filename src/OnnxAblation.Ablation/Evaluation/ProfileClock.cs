using System.Diagnostics;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>Stopwatch ticks per <see cref="ProfilePart"/> of one layer, added to by all its workers (a few additions per run: cheap).</summary>
internal sealed class ProfileClock
{
    private readonly long[] _ticks = new long[Enum.GetValues<ProfilePart>().Length];
    private long _wall;
    private int _ablations;
    private int _prefixRuns;
    private int _suffixRuns;
    private int _cachedChunks;

    /// <summary>Adds the time since <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="part"/>; returns now.</summary>
    public long Add(ProfilePart part, long since)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _ticks[(int)part], now - since);
        return now;
    }

    public void AddWall(long ticks, int ablations)
    {
        Interlocked.Add(ref _wall, ticks);
        Interlocked.Add(ref _ablations, ablations);
    }

    public void CountPrefixRun() => Interlocked.Increment(ref _prefixRuns);

    public void CountSuffixRun() => Interlocked.Increment(ref _suffixRuns);

    public void CountCachedChunk() => Interlocked.Increment(ref _cachedChunks);

    /// <summary>Whether the layer's prefix outputs are cached between calls, and why not (set by its workers).</summary>
    public string Cache { get; set; } = "not cached: one call (caching starts with a layer's second call)";

    public LayerProfile Snapshot(string layer, int workers, int rows, int k)
    {
        double S(long t) => (double)t / Stopwatch.Frequency;
        double P(ProfilePart p) => S(Interlocked.Read(ref _ticks[(int)p]));
        return new LayerProfile(layer, _ablations, workers, rows, k, S(_wall), P(ProfilePart.Prefix), P(ProfilePart.Suffix), P(ProfilePart.Mask),
            P(ProfilePart.Copy), P(ProfilePart.Score), P(ProfilePart.Store), _prefixRuns, _suffixRuns, _cachedChunks, Cache);
    }
}
