using System.Globalization;

namespace OnnxAblation.Ablation.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (0-based, written "k/N"): the shard evaluates the items of a
/// study's ordered ablation list whose position i has i mod N = k (round robin), so N shards partition the list
/// exactly and each shard's share does not depend on the others. Each shard writes its own result store;
/// <c>StoreMerger</c> (project OnnxAblation.Store) merges them.
/// </summary>
public sealed record ShardSpec
{
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";
    public const string SlurmTaskStep = "SLURM_ARRAY_TASK_STEP";
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    public ShardSpec(int index, int count)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"shard count must be at least 1, got {I(count)}");
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"shard index {I(index)} is out of range for {I(count)} shards (0-based: 0..{I(count - 1)})");
        Index = index;
        Count = count;
    }

    /// <summary>0-based shard number k, 0 ≤ k &lt; <see cref="Count"/>.</summary>
    public int Index { get; }

    /// <summary>Number of shards N.</summary>
    public int Count { get; }

    /// <summary>Whether this shard evaluates the item at 0-based position <paramref name="itemIndex"/> of a study's list.</summary>
    public bool Owns(int itemIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(itemIndex);
        return itemIndex % Count == Index;
    }

    public override string ToString() => $"{I(Index)}/{I(Count)}";

    /// <summary>Parses "k/N" (0-based k, 0 ≤ k &lt; N), e.g. "0/4" … "3/4".</summary>
    /// <exception cref="FormatException">Not of that form or k out of range; the message says why.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split('/');
        if (parts.Length != 2 || !TryInt(parts[0], out int k) || !TryInt(parts[1], out int n))
            throw new FormatException($"invalid shard '{text}': expected k/N, e.g. 0/4 (shard k of N, 0-based)");
        if (n < 1) throw new FormatException($"invalid shard '{text}': the shard count N must be at least 1");
        if (k >= n)
            throw new FormatException(
                $"invalid shard '{text}': shards are numbered from 0, so k must be in 0..{I(n - 1)} for N = {I(n)}");
        return new ShardSpec(k, n);
    }

    /// <summary>
    /// The shard this process should run: <paramref name="explicitSpec"/> (--shard k/N) if given; else a SLURM job
    /// array task (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN if set, divided by SLURM_ARRAY_TASK_STEP if set,
    /// of SLURM_ARRAY_TASK_COUNT); else a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, with the count from
    /// <paramref name="countOption"/>, which is then required); else null (no sharding). A
    /// <paramref name="countOption"/> that disagrees with the other source's count is refused, as is a count without
    /// any shard index. Empty variables count as unset.
    /// </summary>
    /// <exception cref="FormatException">A variable or option is malformed, inconsistent or out of range.</exception>
    public static ShardSpec? FromEnvironment(ShardSpec? explicitSpec, int? countOption, IReadOnlyDictionary<string, string?> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (countOption is < 1) throw new FormatException($"shard count must be at least 1, got {I(countOption.Value)}");

        if (explicitSpec is not null)
        {
            if (countOption is { } c && c != explicitSpec.Count)
                throw new FormatException($"--shard {explicitSpec} and a shard count of {I(c)} disagree; give one or make them agree");
            return explicitSpec;
        }

        if (Get(env, SlurmTaskId) is { } idText)
        {
            int id = ParseVar(SlurmTaskId, idText);
            int min = Get(env, SlurmTaskMin) is { } minText ? ParseVar(SlurmTaskMin, minText) : 0;
            int step = Get(env, SlurmTaskStep) is { } stepText ? ParseVar(SlurmTaskStep, stepText) : 1;
            if (step < 1) step = 1;
            int count;
            if (Get(env, SlurmTaskCount) is { } countText)
            {
                count = ParseVar(SlurmTaskCount, countText);
                if (countOption is { } c && c != count)
                    throw new FormatException($"{SlurmTaskCount}={I(count)} but a shard count of {I(c)} was given; they must agree");
            }
            else
            {
                count = countOption ?? throw new FormatException(
                    $"{SlurmTaskId}={idText} is set but {SlurmTaskCount} is not; pass the shard count (or --shard k/N)");
            }
            int offset = id - min;
            if (offset < 0 || offset % step != 0 || offset / step >= count || count < 1)
                throw new FormatException(
                    $"{SlurmTaskId}={I(id)} ({SlurmTaskMin}={I(min)}, {SlurmTaskStep}={I(step)}) does not give a shard in " +
                    $"0..{I(count - 1)} for {SlurmTaskCount}={I(count)}; use a contiguous job array (e.g. --array=0-{I(count - 1)}) " +
                    "or pass --shard k/N");
            return new ShardSpec(offset / step, count);
        }

        if (Get(env, KubernetesIndex) is { } k8sText)
        {
            int index = ParseVar(KubernetesIndex, k8sText);
            int count = countOption ?? throw new FormatException(
                $"{KubernetesIndex}={k8sText} is set (Kubernetes Indexed Job) but no shard count was given; " +
                "pass the shard count (the Job's completions) or --shard k/N");
            if (index >= count)
                throw new FormatException(
                    $"{KubernetesIndex}={I(index)} is out of range for a shard count of {I(count)} (0..{I(count - 1)}); " +
                    "the shard count must equal the Job's completions");
            return new ShardSpec(index, count);
        }

        if (countOption is { } orphan)
            throw new FormatException(
                $"a shard count of {I(orphan)} was given but no shard index: pass --shard k/N or run as a SLURM array task " +
                $"({SlurmTaskId}) or Kubernetes Indexed Job pod ({KubernetesIndex})");
        return null;
    }

    /// <summary><see cref="FromEnvironment(ShardSpec?, int?, IReadOnlyDictionary{string, string?})"/> with this process's environment.</summary>
    public static ShardSpec? FromEnvironment(ShardSpec? explicitSpec, int? countOption)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string name in new[] { SlurmTaskId, SlurmTaskCount, SlurmTaskMin, SlurmTaskStep, KubernetesIndex })
            env[name] = Environment.GetEnvironmentVariable(name);
        return FromEnvironment(explicitSpec, countOption, env);
    }

    private static string? Get(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private static int ParseVar(string name, string text) =>
        TryInt(text, out int v) ? v : throw new FormatException($"{name}='{text}' is not a non-negative integer");

    private static bool TryInt(string s, out int value) =>
        int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
