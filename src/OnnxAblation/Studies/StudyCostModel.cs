using System.Diagnostics;
using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Requests;
using OnnxAblation.Results;

namespace OnnxAblation.Studies;

/// <summary>
/// Estimates a study before it runs. The ablations come from the orchestrator's own phase lists (phase 2 with zero
/// impacts: the same items in another order), counted once per key as the store holds them (phase 2 up to
/// coinciding sets of different classes). FLOPs come from <see cref="FlopCounter"/>. Time
/// comes from a calibration run on a slice of the data, into a temporary store: per layer where the fast path cuts,
/// its first single (prefix and sessions included) and a batch of further singles, scaled by samples; the baseline
/// is timed once. Multi-unit ablations cost what a single costs at the same cut (the suffix is recomputed either way).
/// </summary>
internal static class StudyCostModel
{
    private const int BatchSingles = 32;

    public static StudyPlan Estimate(AblationSession session, Dataset data, StudyDefinition def, StudyRequest request, TimeSpan? wallTime,
        int calibrationSamples, StageProgress progress)
    {
        if (calibrationSamples < 1) throw new ArgumentException($"calibration samples {calibrationSamples}: give at least 1");
        var units = session.Units;
        var planner = new StudyPlanner(units, request.Mode);
        var (feasible, skipped) = StudyOrchestrator.Prune(units, planner, def);
        // The runner evaluates each key once (a cumulative curve's last step is the whole layer, a class's top-1 a single,
        // its top-2 in the pair layer a pair): phase 1 is counted by distinct key, phase 2 without the keys phase 1 has.
        // Phase 2's sets depend on measured impacts; two classes whose top-N sets coincide are counted twice here.
        var seen = new HashSet<string>(StringComparer.Ordinal) { AblationKey.Baseline };
        var one = StudyOrchestrator.PhaseOne(units, planner, feasible).Where(p => seen.Add(p.Key)).ToList();
        var two = (StudyOrchestrator.PhaseTwo(units, planner, request.Impact ?? ImpactMeasure.Accuracy, feasible, data.ClassCount,
            (layer, _) => new double[layer.UnitCount]) ?? []).Where(p => !seen.Contains(p.Key)).ToList();
        var flops = new FlopCounter(units, data.SampleShape);
        int n = data.Count;

        // Each ablation is evaluated from its earliest layer on (the largest suffix).
        Layer Cut(PlannedAblation p) => p.Sets.Select(s => units[s.Layer]).MaxBy(flops.SuffixMacs)!;
        var cutOne = one.GroupBy(Cut).ToDictionary(g => g.Key, g => g.Count());
        var cutTwo = two.GroupBy(Cut).ToDictionary(g => g.Key, g => g.Count());
        var cuts = cutOne.Keys.Union(cutTwo.Keys).OrderByDescending(flops.SuffixMacs).ToList();

        // Calibration: two slices of the data (a quarter and all of calibrationSamples), each into a temporary store with
        // the study's evaluator; per layer, time = fixed + per-sample × samples, fitted through the two points.
        int n2 = Math.Min(calibrationSamples, n), n1 = Math.Max(1, n2 / 4);
        var watch = Stopwatch.StartNew();
        var small = n1 < n2 ? Calibrate(session, data.Take(n1), cuts, request, progress) : null;
        var large = Calibrate(session, data.Take(n2), cuts, request, progress);
        double At(double t2, double? t1)
        {
            if (t1 is not double t || n1 >= n2) return t2 * n / n2;
            double perSample = Math.Max(0, (t2 - t) / (n2 - n1));
            double fixedPart = Math.Max(0, t2 - perSample * n2);
            return fixedPart + perSample * n;
        }
        double baselineSeconds = At(large.Baseline, small?.Baseline);
        var costs = new List<LayerCost>();
        for (int i = 0; i < cuts.Count; i++)
        {
            var layer = cuts[i];
            double first = At(large.First[i], small?.First[i]), each = At(large.Each[i], small?.Each[i]);
            int count = cutOne.GetValueOrDefault(layer) + cutTwo.GetValueOrDefault(layer);
            double fast = 2.0 * n * (flops.PrefixMacs(layer) + count * flops.SuffixMacs(layer));
            double reference = 2.0 * n * count * flops.TotalMacs;
            costs.Add(new LayerCost(layer.Name, layer.UnitCount, count, fast, reference, first, each, first + Math.Max(0, count - 1) * each));
        }
        // A record keeps one correctness bit per sample (bytes: samples / 8); the rest does not grow with the data.
        double recordBytes = large.RecordBytes + (n - n2) / 8.0;
        string evaluatorName = large.Evaluator;

        double PhaseSeconds(Dictionary<Layer, int> byCut) => costs.Sum(c =>
        {
            var layer = units[c.Layer];
            int k = byCut.GetValueOrDefault(layer);
            return k == 0 ? 0 : c.FirstSeconds + (k - 1) * c.SecondsPerAblation;
        });
        double oneSeconds = baselineSeconds + PhaseSeconds(cutOne), twoSeconds = PhaseSeconds(cutTwo);
        int? shards = null;
        if (wallTime is { } wall)
        {
            double room = wall.TotalSeconds - twoSeconds;
            if (room > baselineSeconds) shards = Math.Max(1, (int)Math.Ceiling((oneSeconds - baselineSeconds) / (room - baselineSeconds)));
        }
        var byStudy = one.Concat(two).GroupBy(p => StudyKind(p.Study)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        return new StudyPlan
        {
            Samples = n,
            PhaseOneAblations = one.Count,
            PhaseTwoAblations = two.Count,
            ByStudy = byStudy,
            Layers = costs,
            Skipped = skipped.Select(s => (s.Layer, s.Reason)).ToList(),
            Evaluator = evaluatorName,
            FastFlop = costs.Sum(c => c.FastFlop) + 2.0 * n * flops.TotalMacs,
            ReferenceFlop = costs.Sum(c => c.ReferenceFlop) + 2.0 * n * flops.TotalMacs,
            Expected = TimeSpan.FromSeconds(oneSeconds + twoSeconds),
            ExpectedPhaseTwo = TimeSpan.FromSeconds(twoSeconds),
            CalibrationSamples = n2,
            CalibrationSeconds = watch.Elapsed.TotalSeconds,
            MemoryBudget = session.Memory.Describe(),
            MemoryBudgetBytes = session.Memory.Bytes,
            DataBytes = (long)n * data.SampleSize * sizeof(float),
            ModelBytes = session.Model.Proto.CalculateSize(),
            StoreBytes = (long)(recordBytes * (one.Count + two.Count + 1)),
            WallTime = wallTime,
            Shards = shards,
        };
    }

    /// <summary>Seconds measured on one calibration slice: the baseline, and per cut layer its first single and each further one.</summary>
    private sealed record Calibration(double Baseline, double[] First, double[] Each, double RecordBytes, string Evaluator);

    private static Calibration Calibrate(AblationSession session, Dataset slice, IReadOnlyList<Layer> cuts, StudyRequest request, StageProgress progress)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"onnx-ablate-plan-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string storePath = Path.Combine(dir, "calibration.db");
        var first = new double[cuts.Count];
        var each = new double[cuts.Count];
        try
        {
            double baseline;
            int records;
            string evaluator;
            using (var ctx = StudySetup.Open(session.Model, slice, slice.Count, session.Inference, request.Mode, request.Seed,
                       storePath, request.ExactReference, session.Memory.Apply(request.Fast), shard: null))
            {
                evaluator = ctx.Evaluator.Name;
                var t = Stopwatch.StartNew();
                ctx.Runner.Run([ctx.Planner.Baseline()]);
                baseline = t.Elapsed.TotalSeconds;
                for (int i = 0; i < cuts.Count; i++)
                {
                    progress.Report((i, cuts.Count));
                    var singles = ctx.Planner.Singles([cuts[i]]).Take(1 + BatchSingles).ToList();
                    t.Restart();
                    ctx.Runner.Run(singles.Take(1).ToList());
                    first[i] = t.Elapsed.TotalSeconds;
                    each[i] = first[i];
                    if (singles.Count > 1)
                    {
                        t.Restart();
                        ctx.Runner.Run(singles.Skip(1).ToList());
                        each[i] = t.Elapsed.TotalSeconds / (singles.Count - 1);
                    }
                }
                progress.Report((cuts.Count, cuts.Count));
                records = ctx.Store.Count;
            }
            double recordBytes = (double)new FileInfo(storePath).Length / Math.Max(records, 1);
            return new Calibration(baseline, first, each, recordBytes, evaluator);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The part of the study a key's study name belongs to: "cumulative:/fc1/Gemm:random-1" → "cumulative".</summary>
    private static string StudyKind(string study)
    {
        int colon = study.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? study : study[..colon];
    }
}
