using System.Diagnostics;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// Runs planned ablations: skips what the store already holds (resume) and what another shard owns,
/// evaluates the rest in chunks, and commits each result to the store as it completes.
/// </summary>
public sealed class StudyRunner(ResultStore store, IAblationEvaluator evaluator, Dataset data, string mode, ShardSpec? shard = null)
{
    /// <summary>Ablations handed to the evaluator at once (default: what the evaluator prefers; the fast path shares its prefix pass among them).
    /// Results are stored as each completes, so a kill loses at most the ablations of one chunk.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>The work of one ablation (e.g. the FLOPs its path needs). When set and the progress also takes
    /// (done, total, work fraction), the fraction of the work done is reported with each count, for ETAs.</summary>
    public Func<PlannedAblation, double>? Cost { get; init; }

    /// <summary>Adaptive sample sizes: every ablation but the baseline is evaluated by it (the baseline by the evaluator, on all samples).</summary>
    public AdaptiveEvaluator? Adaptive { get; init; }

    /// <summary>Runs the plan; returns how many ablations were evaluated now (not skipped).</summary>
    /// <param name="progress">(done, total) over the items this shard owns, counting those already stored.</param>
    public int Run(IReadOnlyList<PlannedAblation> plan, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var mine = new List<PlannedAblation>();
        int ordinal = 0;
        foreach (var item in plan)
        {
            if (!seen.Add(item.Key)) continue;
            // The baseline belongs to every shard: each shard's results are compared with it.
            bool owned = item.Key == AblationKey.Baseline || shard is null || shard.Owns(ordinal);
            if (item.Key != AblationKey.Baseline) ordinal++;
            if (owned) mine.Add(item);
        }
        var todo = mine.Where(p => !store.Contains(p.Key)).ToList();
        int done = mine.Count - todo.Count;
        var weighted = Cost is not null ? progress as IProgress<(int Done, int Total, double Work)> : null;
        double totalWork = weighted is null ? 0 : mine.Sum(Cost!), doneWork = weighted is null ? 0 : totalWork - todo.Sum(Cost!);
        void Report()
        {
            if (weighted is not null && totalWork > 0) weighted.Report((done, mine.Count, doneWork / totalWork));
            else progress?.Report((done, mine.Count));
        }
        if (mine.Count > 0) Report();
        int evaluated = 0;
        int size = Math.Max(1, ChunkSize ?? evaluator.PreferredChunk);
        var chunks = new List<List<PlannedAblation>>();
        if (Adaptive is not null)
        {
            // the baseline alone and exactly, on all samples; the rest adaptively
            chunks.AddRange(todo.Where(p => p.Key == AblationKey.Baseline).Select(p => new List<PlannedAblation> { p }));
            todo = todo.Where(p => p.Key != AblationKey.Baseline).ToList();
        }
        for (int start = 0; start < todo.Count; start += size) chunks.Add(todo.Skip(start).Take(size).ToList());
        foreach (var chunk in chunks)
        {
            var watch = Stopwatch.StartNew();
            if (Adaptive is not null && chunk[0].Key != AblationKey.Baseline)
            {
                var baseline = store.Get(AblationKey.Baseline) ?? throw new InvalidOperationException("adaptive sampling needs the baseline stored first");
                Adaptive.Evaluate(chunk.Select(c => c.Sets).ToList(), baseline, (i, outcome) =>
                {
                    var item = chunk[i];
                    store.Add(ToRecord(item, outcome, watch.Elapsed.TotalSeconds));
                    watch.Restart();
                    evaluated++;
                    done++;
                    if (weighted is not null) doneWork += Cost!(item);
                    Report();
                });
                RecordPaths(Adaptive.Paths);
                continue;
            }
            evaluator.Evaluate(chunk.Select(c => c.Sets).ToList(), (i, result) =>
            {
                var item = chunk[i];
                store.Add(ToRecord(item, result, watch.Elapsed.TotalSeconds));
                watch.Restart();
                evaluated++;
                done++;
                if (weighted is not null) doneWork += Cost!(item);
                Report();
            });
            RecordPaths(evaluator.Paths);
        }
        return evaluated;
    }

    private readonly Dictionary<string, string> _recorded = new(StringComparer.Ordinal);

    /// <summary>Stores which path evaluated each layer (new entries only); reports and exports show them.</summary>
    private void RecordPaths(IReadOnlyDictionary<string, string> paths)
    {
        foreach (var (layer, path) in paths)
        {
            if (_recorded.TryGetValue(layer, out var had) && had == path) continue;
            store.RecordPath(layer, path);
            _recorded[layer] = path;
        }
    }

    private AblationRecord ToRecord(PlannedAblation item, EvaluationResult r, double seconds) => ToRecord(item, r, seconds, AblationRecord.PackBits(r.Predicted, data.Labels));

    private AblationRecord ToRecord(PlannedAblation item, EvaluationResult r, double seconds, byte[] correct) => new()
    {
        Key = item.Key,
        Study = item.Study,
        Units = item.Sets,
        Mode = item.Key == AblationKey.Baseline ? "none" : mode,
        Accuracy = r.Accuracy,
        ClassAccuracy = r.ClassAccuracy,
        MeanLoss = r.MeanLoss,
        ClassMeanLoss = r.ClassMeanLoss,
        Correct = correct,
        NonFinite = r.NonFinite,
        Effect = r.Effect,
        Seconds = seconds,
    };

    private AblationRecord ToRecord(PlannedAblation item, AdaptiveOutcome o, double seconds) => ToRecord(item, o.Measured, seconds, o.Correct) with
    {
        Accuracy = o.Accuracy,
        ClassAccuracy = o.ClassAccuracy,
        MeanLoss = o.MeanLoss,
        ClassMeanLoss = o.ClassMeanLoss,
        Samples = o.Samples,
        Interval = o.Interval,
    };
}
