using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxAblation.Results;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate plan MODEL --data SPEC [study options]</c>: what the same <c>study</c> command would cost, before
/// any ablation runs (<see cref="AblationSession.Plan"/>): ablations, FLOPs per path, time on this machine from a short
/// calibration run, memory, store size, and the shards that bring it under <c>--wall-time</c>.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var so = new StudyOptions();
        var shape = new StudyShapeOptions();
        var wall = new Option<string?>("--wall-time") { Description = "wall time per job, e.g. 2h, 90m, 600s or 1:30:00: how many shards bring the study under it" };
        var calibration = new Option<int>("--calibration-samples") { Description = "samples the calibration run evaluates per ablation", DefaultValueFactory = _ => 64 };
        var c = new Command("plan", "Estimate a study before running it: ablations, FLOPs per path, expected time (from a short calibration run), memory, store size, shards for a wall time. Takes the study command's options; the store is not read or written");
        so.AddTo(c);
        shape.AddTo(c);
        c.Options.Add(wall);
        c.Options.Add(calibration);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            if (r.GetValue(so.Csv) is not null)
                throw new ArgumentException("plan writes --json only (the plan is not a table of results); drop --csv");
            TimeSpan? wallTime = r.GetValue(wall) is { } w ? ParseDuration(w) : null;
            var session = so.Session(r);
            var request = so.Settings(r, shape.Request(r), session);
            var plan = Run.Staged(pr => session.Plan(request, wallTime, r.GetValue(calibration), pr, cancellation));
            Print(plan, Console.Out);
            if (r.GetValue(so.Json) is { } json)
                File.WriteAllText(json, JsonSerializer.Serialize(plan, new JsonSerializerOptions { WriteIndented = true, IncludeFields = true }));
            return 0;
        }));
        return c;
    }

    /// <summary>2h, 90m, 600s, 1.5h or h:mm:ss.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)
            ? v : throw new ArgumentException($"--wall-time '{text}': expected a duration like 2h, 90m, 600s or 1:30:00");
        TimeSpan span = t.EndsWith('h') ? TimeSpan.FromHours(Number(t[..^1]))
            : t.EndsWith('m') ? TimeSpan.FromMinutes(Number(t[..^1]))
            : t.EndsWith('s') ? TimeSpan.FromSeconds(Number(t[..^1]))
            : TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var ts) && ts > TimeSpan.Zero ? ts
            : throw new ArgumentException($"--wall-time '{text}': expected a duration like 2h, 90m, 600s or 1:30:00");
        return span;
    }

    private static string Time(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:F1}s";

    private static string Bytes(long b) => b < 1L << 20 ? string.Create(CultureInfo.InvariantCulture, $"{b / 1024.0:F0} KB") : MemoryBudget.Format(b);

    public static void Print(StudyPlan plan, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(w);
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(inv, $"plan: up to {plan.Ablations:N0} ablations on {plan.Samples:N0} samples ({plan.PhaseOneAblations:N0} in phase 1, at most {plan.PhaseTwoAblations:N0} in phase 2 by measured impact), evaluator {plan.Evaluator}"));
        w.WriteLine("  by part: " + string.Join(", ", plan.ByStudy.Select(kv => string.Create(inv, $"{kv.Key} {kv.Value:N0}"))));
        foreach (var (layer, reason) in plan.Skipped) w.WriteLine($"  left out: {layer}: {reason}");
        w.WriteLine(string.Create(inv, $"  FLOPs: fast path {plan.FastFlop / 1e9:N1} GFLOP (prefix once per layer, suffix per ablation), reference path {plan.ReferenceFlop / 1e9:N1} GFLOP (a full pass per ablation): {plan.ReferenceFlop / plan.FastFlop:F1}x less work"));
        w.WriteLine(string.Create(inv, $"  expected time on this machine: {Time(plan.Expected)} (phase 2: {Time(plan.ExpectedPhaseTwo)}), from a {plan.CalibrationSeconds:F1} s calibration on {plan.CalibrationSamples} samples"));
        w.WriteLine($"  {plan.MemoryBudget}; data {Bytes(plan.DataBytes)} as floats, model {Bytes(plan.ModelBytes)}");
        w.WriteLine($"  store: about {Bytes(plan.StoreBytes)}");
        if (plan.WallTime is { } wall)
            w.WriteLine(plan.Shards is int k
                ? string.Create(inv, $"  wall time {Time(wall)}: {k} shard(s) (--shard k/{k}, or an array of {k} tasks) for phase 1, then phase 2 once on the merged store ({Time(plan.ExpectedPhaseTwo)})")
                : $"  wall time {Time(wall)}: no shard count fits: phase 2 alone ({Time(plan.ExpectedPhaseTwo)}) runs on one machine after the merge; ask for a longer wall time, fewer samples (--limit) or a smaller --class-top");
        w.WriteLine("  layer                          units  ablations  fast GFLOP  ref GFLOP  first (s)  each (s)  expected");
        foreach (var l in plan.Layers)
            w.WriteLine(string.Create(inv, $"  {l.Layer,-30} {l.Units,5} {l.Ablations,10:N0} {l.FastFlop / 1e9,11:N2} {l.ReferenceFlop / 1e9,10:N2} {l.FirstSeconds,10:F3} {l.SecondsPerAblation,9:F4}  {Time(TimeSpan.FromSeconds(l.ExpectedSeconds))}"));
    }
}
