using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Runtime;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate bench</c>: a full single-unit zero-in sweep of every hidden unit (or of the layers named), timed in one
/// run on the same data by (a) the reference path, (b) overridable-initializer sessions, (c) the fast path, next to the
/// GEMM peak of ONNX Runtime on this machine and (optionally) the PyTorch forward-hook loop users would write instead;
/// with the peak resident memory of each path (VmHWM) under the memory budget, and with <c>--profile</c> where the
/// fast path's time went per layer (results then committed to a temporary store, as a sweep does).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var json = new Option<string?>("--json") { Description = "write the figures as JSON" };
        var subset = new Option<int>("--slow-units") { Description = "units per layer timed on the slow paths (a) and (b); their rate is per ablation", DefaultValueFactory = _ => 6 };
        var torch = new Option<bool>("--torch") { Description = "also run tools/bench_torch_hooks.py with Debian's PyTorch (/usr/bin/python3)" };
        var k = new Option<int?>("--ablations-per-run") { Description = "fast path: ablations per ONNX Runtime run (K; default: chosen per layer)" };
        var rows = new Option<int?>("--rows-per-run") { Description = "fast path: rows (K × samples) per run (default: chosen per layer)" };
        var fastOnly = new Option<bool>("--fast-only") { Description = "time only the fast path (for tuning K and rows)" };
        var layers = new Option<string?>("--layers") { Description = "comma-separated layers to sweep (default: every hidden layer)" };
        var profile = new Option<bool>("--profile") { Description = "per layer, seconds of the fast path in prefix, suffix, mask building, copies, scoring and store (results committed to a temporary store)" };
        var torchModel = new Option<string?>("--torch-model") { Description = "the PyTorch model for --torch: fmnist-vgg, fmnist-resnet-tiny, resnet18-224 (default: from the model's path)" };
        var torchUnits = new Option<int?>("--torch-units") { Description = "units per layer the PyTorch loop times (default: all); its rate is per ablation" };
        var fastUnits = new Option<int?>("--fast-units") { Description = "units per layer the fast path sweeps (the first N; default: all); its rate is per ablation" };
        var noOverridable = new Option<bool>("--no-overridable") { Description = "do not time the overridable-initializer path (b)" };
        var gemmPerLayer = new Option<bool>("--gemm-per-layer") { Description = "measure the GEMM peak again after each layer of the fast path (not counted in its time): each layer's share under the load of its moment" };
        var c = new Command("bench", "Benchmark a full single-unit sweep: reference vs overridable vs fast path, against the GEMM peak and PyTorch hooks");
        common.AddModelAndData(c);
        c.Options.Add(json);
        c.Options.Add(subset);
        c.Options.Add(torch);
        c.Options.Add(k);
        c.Options.Add(rows);
        c.Options.Add(fastOnly);
        c.Options.Add(layers);
        c.Options.Add(profile);
        c.Options.Add(torchModel);
        c.Options.Add(torchUnits);
        c.Options.Add(fastUnits);
        c.Options.Add(noOverridable);
        c.Options.Add(gemmPerLayer);
        c.SetAction(r => Run.Guarded(() =>
        {
            double loadStart = LoadAverage();
            var budget = common.Budget(r);
            long startPeak = PeakMemory.Bytes() ?? 0;
            var model = common.LoadModel(r);
            // a model whose output holds features (the CNTK backbone) is scored by drift, as label-free studies do
            var data = ClassScores.Fit(model, common.LoadData(r) ?? throw new ArgumentException("bench needs --data"), allowFeatures: true);
            var fast = budget.Apply(new FastOptions { AblationsPerRun = r.GetValue(k), RowsPerRun = r.GetValue(rows) });
            var settings = new Settings(r.GetValue(subset), r.GetValue(fastOnly), r.GetValue(layers) is { } l ? Names.Split(l) : null, r.GetValue(profile),
                r.GetValue(torch) ? r.GetValue(torchModel) ?? TorchModelFor(model.Source) : null, r.GetValue(torchUnits), r.GetValue(fastUnits), !r.GetValue(noOverridable), r.GetValue(gemmPerLayer));
            var result = Measure(model, data, common.Inference(r), budget, fast, settings) with { LoadAverageStart = loadStart, LoadAverageEnd = LoadAverage() };
            result = result with { PeakMemoryBytes = Math.Max(result.PeakMemoryBytes ?? 0, startPeak) };
            string text = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
            if (r.GetValue(json) is { } path) File.WriteAllText(path, text + "\n");
            Print(result);
            return result.Identical ? 0 : 1;
        }));
        return c;
    }

    /// <summary>What to time: slow-path units per layer, layers, profile, the PyTorch model (null: no PyTorch loop) and its units per layer, fast-path units per layer (null: all), whether the overridable path runs.</summary>
    private sealed record Settings(int SlowUnits, bool FastOnly, IReadOnlyList<string>? Layers, bool Profile, string? TorchModel, int? TorchUnits, int? FastUnits, bool Overridable, bool GemmPerLayer);

    /// <param name="PeakMemoryBytes">VmHWM over the path's run (the peak was reset before it), or null where it cannot be read.</param>
    internal sealed record PathFigures(string Path, int Ablations, double Seconds, double AblationsPerSecond, double SamplesPerSecond, double? GflopPerSecond, long? PeakMemoryBytes = null);

    internal sealed record BenchResult(
        string Model, string Data, int Samples, int Threads, string Machine, string OnnxRuntime,
        int HiddenUnits, double ForwardMflopPerSample, double SweepGflopNeeded, double GemmPeakGflopPerSecond,
        double BaselinePassSeconds, IReadOnlyList<PathFigures> Paths, bool Identical, double? TorchAblationsPerSecond, string? TorchNote,
        double FastVsReference, double? FastVsOverridable, double? FastVsTorch, double FastShareOfGemmPeak)
    {
        public IReadOnlyList<string>? Layers { get; init; }

        public long MemoryBudgetBytes { get; init; }

        public string? MemoryBudget { get; init; }

        /// <summary>Peak resident memory of the whole run (VmHWM), bytes.</summary>
        public long? PeakMemoryBytes { get; init; }

        public int? TorchAblations { get; init; }

        public double? TorchSeconds { get; init; }

        /// <summary>Samples per ONNX Runtime run of the slow paths (the batch size cut to the budget).</summary>
        public int BatchSize { get; init; }

        public IReadOnlyList<LayerProfile>? Profile { get; init; }

        public double LoadAverageStart { get; init; }

        public double LoadAverageEnd { get; init; }

        /// <summary>The GEMM peak measured before the paths ran and after them (the run's peak is the highest of these and the per-layer ones).</summary>
        public double GemmPeakStart { get; init; }

        public double GemmPeakEnd { get; init; }

        /// <summary>Units per layer the fast path swept (null: all).</summary>
        public int? FastUnitsPerLayer { get; init; }

        /// <summary>Units per layer the slow paths timed.</summary>
        public int SlowUnitsPerLayer { get; init; }

        /// <summary>Ablations whose fast predictions were compared with the reference path's (the units both timed).</summary>
        public int Compared { get; init; }

        /// <summary>Per layer: each path's seconds per ablation, the fast-vs-reference ratio and the fast path's share of the GEMM peak.</summary>
        public IReadOnlyList<BenchLayer>? PerLayer { get; init; }

        /// <summary>"accuracy", or "drift" for a model whose output holds features (then the drifts are compared, not predictions).</summary>
        public string Scored { get; init; } = "accuracy";
    }

    private static BenchResult Measure(OnnxModel model, Dataset data, InferenceOptions asked, MemoryBudget budget, FastOptions fastOptions, Settings set)
    {
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var options = budget.Apply(asked, units);
        var hidden = set.Layers is { } names ? names.Select(n => units[n]).ToList() : units.HiddenLayers.ToList();
        bool fastOnly = set.FastOnly;
        static List<IReadOnlyList<UnitSet>> Singles(Layer l, int n) =>
            Enumerable.Range(0, Math.Clamp(n, 0, l.UnitCount)).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [u])]).ToList();
        var all = hidden.Select(l => Singles(l, set.FastUnits ?? l.UnitCount)).ToList();
        var slow = hidden.Select(l => Singles(l, fastOnly ? 1 : set.SlowUnits)).ToList();
        int fastCount = all.Sum(x => x.Count), slowCount = slow.Sum(x => x.Count);
        var flops = new FlopCounter(units, data.SampleShape);
        // What the sweep needs: each layer's prefix once, and its suffix once per ablated unit (after the linear consumer,
        // plus the consumer's share of one unit, where the fast path applies the linear update).
        var layerFlop = hidden.Select((l, i) => 2.0 * data.Count * (flops.PrefixMacs(l) + all[i].Count * flops.FastSuffixMacs(l, fastOptions))).ToList();
        double sweepFlop = layerFlop.Sum();
        double slowFullPassFlop = 2 * data.Count * flops.TotalMacs;
        double peakStart = GemmPeak(options);
        var peakAfter = new double?[hidden.Count];

        var sw = Stopwatch.StartNew();
        using (var s = ModelSession.Create(model, options, data.SampleShape)) Evaluator.Predict(s, data); // the intact pass (a features output has no accuracy)
        double baseline = sw.Elapsed.TotalSeconds;

        var figures = new List<PathFigures>();
        var layerSeconds = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var referenceResults = new Dictionary<string, EvaluationResult>();
        bool features = OutputKinds.Of(model) == OutputKind.Features;
        IReadOnlyList<LayerProfile>? profile = null;
        PathFigures Time(string name, IAblationEvaluator e, List<List<IReadOnlyList<UnitSet>>> perLayer, Func<double, double>? gflopPerSecond, Action<IReadOnlyList<UnitSet>, EvaluationResult>? keep = null, ResultStore? store = null, Action<int>? afterLayer = null)
        {
            // The intact model's outputs, which every ablation is scored against, before the clock starts: a study
            // computes them once, and they would otherwise count against the first layer timed.
            e.Evaluate([[]], (_, _) => { });
            bool reset = PeakMemory.Reset();
            int total = perLayer.Sum(x => x.Count);
            var seconds = layerSeconds[name] = new double[perLayer.Count];
            var watch = Stopwatch.StartNew();
            double aside = 0;
            Run.WithProgress(name, p =>
            {
                int done = 0;
                // one call per layer, timed on its own: a layer's figures include its sessions and prefix runs
                for (int li = 0; li < perLayer.Count; li++)
                {
                    var list = perLayer[li];
                    if (list.Count == 0) continue;
                    long began = Stopwatch.GetTimestamp();
                    if (store is null)
                        e.Evaluate(list, (i, res) => { keep?.Invoke(list[i], res); p.Report((++done, total)); });
                    else
                    {
                        // as a sweep runs: each result committed to the store as it completes
                        var plan = list.Select(sets => new PlannedAblation(AblationKey.Format(ModeSpec.ZeroIn.ToString(), sets), "single", sets)).ToList();
                        var wrapped = new KeepResults(e, (sets, res) => keep?.Invoke(sets, res));
                        new StudyRunner(store, wrapped, data, ModeSpec.ZeroIn.ToString()).Run(plan, new Progress(p, done, total));
                        done += list.Count;
                    }
                    seconds[li] = Stopwatch.GetElapsedTime(began).TotalSeconds;
                    long hook = Stopwatch.GetTimestamp();
                    afterLayer?.Invoke(li);
                    aside += Stopwatch.GetElapsedTime(hook).TotalSeconds;
                }
                return 0;
            });
            double t = watch.Elapsed.TotalSeconds - aside;
            long? peakBytes = reset ? PeakMemory.Bytes() : null;
            if (e is FastEvaluator fe && set.Profile) profile = fe.Profile;
            e.Dispose();
            var f = new PathFigures(name, total, t, total / t, (double)total * data.Count / t, gflopPerSecond?.Invoke(t), peakBytes);
            figures.Add(f);
            return f;
        }

        var reference = Time("reference", new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options), slow, t => slowFullPassFlop * slowCount / t / 1e9,
            (sets, res) => referenceResults[sets[0].ToString()] = res);
        PathFigures? overridable = set.Overridable
            ? Time("overridable", new OverridableEvaluator(units, data, ModeSpec.ZeroIn, options), slow, t => slowFullPassFlop * slowCount / t / 1e9)
            : null;
        bool identical = true;
        int compared = 0;
        string storePath = Path.Combine(Path.GetTempPath(), $"onnx-ablate-bench-{Environment.ProcessId}.db");
        PathFigures fast;
        using (var store = set.Profile ? ResultStore.Open(storePath, Metadata(model, data)) : null)
        {
            fast = Time("fast", new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: fastOptions), all, t => sweepFlop / t / 1e9,
                (sets, res) =>
                {
                    if (!referenceResults.TryGetValue(sets[0].ToString(), out var p)) return;
                    compared++;
                    if (!p.Predicted.SequenceEqual(res.Predicted) || (features && !SameDrift(p.Effect, res.Effect))) identical = false;
                }, store, set.GemmPerLayer ? li => peakAfter[li] = GemmPeak(options) : null);
        }
        double peakEnd = GemmPeak(options);
        double peak = new[] { peakStart, peakEnd }.Concat(peakAfter.OfType<double>()).Max();
        foreach (string f in new[] { storePath, storePath + "-wal", storePath + "-shm" }) File.Delete(f);

        double? torchRate = null, torchSeconds = null;
        int? torchAblations = null;
        string? torchNote = null;
        if (set.TorchModel is { } tm) (torchRate, torchNote, torchAblations, torchSeconds) = RunTorch(data.Count, tm, set.Layers is null ? null : hidden.Select(l => l.Name).ToList(), set.TorchUnits);
        double[] none = new double[hidden.Count];
        var perLayerFigures = hidden.Select((l, i) => new BenchLayer(l.Name, l.UnitCount,
            all[i].Count, layerSeconds["fast"][i], slow[i].Count, layerSeconds["reference"][i],
            overridable is null ? 0 : slow[i].Count, layerSeconds.GetValueOrDefault("overridable", none)[i], layerFlop[i] / 1e9, peak) { GemmPeakAfterLayer = peakAfter[i] }).ToList();
        return new BenchResult(model.Source, data.Spec, data.Count, options.Threads, MachineName(), typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "?",
            hidden.Sum(l => l.UnitCount), 2 * flops.TotalMacs / 1e6, sweepFlop / 1e9, peak, baseline, figures, identical, torchRate, torchNote,
            fast.AblationsPerSecond / reference.AblationsPerSecond, overridable is null ? null : fast.AblationsPerSecond / overridable.AblationsPerSecond,
            torchRate is double tr ? fast.AblationsPerSecond / tr : null, (fast.GflopPerSecond ?? 0) / peak)
        {
            Layers = hidden.Select(l => l.Name).ToList(),
            MemoryBudgetBytes = budget.Bytes,
            MemoryBudget = budget.Describe(),
            PeakMemoryBytes = figures.Max(f => f.PeakMemoryBytes) is long m ? Math.Max(m, PeakMemory.Bytes() ?? 0) : PeakMemory.Bytes(),
            TorchAblations = torchAblations,
            TorchSeconds = torchSeconds,
            BatchSize = options.BatchSize,
            Profile = profile,
            FastUnitsPerLayer = set.FastUnits,
            SlowUnitsPerLayer = fastOnly ? 1 : set.SlowUnits,
            Compared = compared,
            PerLayer = perLayerFigures,
            Scored = features ? "drift" : "accuracy",
            GemmPeakStart = peakStart,
            GemmPeakEnd = peakEnd,
        };
    }

    /// <summary>
    /// A features output has no predictions (−1 throughout): its drift from the intact outputs is compared instead,
    /// within the cut graph's float32 rounding (1e-4 of the drift, or 1e-6 absolute).
    /// </summary>
    internal static bool SameDrift(IntactEffect? reference, IntactEffect? fast) =>
        reference is not null && fast is not null && Math.Abs(reference.Drift - fast.Drift) <= Math.Max(1e-6, 1e-4 * Math.Abs(reference.Drift));

    /// <summary>Store metadata for the temporary store of <c>--profile</c>.</summary>
    private static StoreMetadata Metadata(OnnxModel model, Dataset data) => new()
    {
        ModelSha256 = model.Sha256(),
        ModelPath = model.Source,
        DataSpec = data.Spec,
        Samples = data.Count,
        Classes = data.ClassCount,
        ClassNames = data.ClassNames,
        Labels = data.Labels,
        Seed = 1,
    };

    /// <summary>Passes an evaluator's results on to <paramref name="keep"/> as well (by unit sets), for the comparison with the reference.</summary>
    private sealed class KeepResults(IAblationEvaluator inner, Action<IReadOnlyList<UnitSet>, EvaluationResult> keep) : IAblationEvaluator
    {
        public string Name => inner.Name;

        public int PreferredChunk => inner.PreferredChunk;

        public IReadOnlyDictionary<string, string> Paths => inner.Paths;

        public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult) =>
            inner.Evaluate(ablations, (i, r) =>
            {
                keep(ablations[i], r);
                onResult(i, r);
            });

        public void Dispose()
        {
        }
    }

    /// <summary>The study runner's progress on one layer as the bar's over all layers (<paramref name="before"/> done already, of <paramref name="total"/>).</summary>
    private sealed class Progress(IProgress<(int Done, int Total)> bar, int before, int total) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => bar.Report((before + value.Done, total));
    }

    private static double LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>The PyTorch model of tools/bench_torch_hooks.py for an ONNX file: resnet18-224 for .cache/resnet18-224, else the folder name under models/.</summary>
    private static string TorchModelFor(string source)
    {
        string dir = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(source))) ?? "";
        return dir;
    }

    /// <summary>ONNX Runtime's own 1024×1024×1024 MatMul, warm, with the same threads: the machine's GEMM peak for this engine.</summary>
    private static double GemmPeak(InferenceOptions options)
    {
        const int n = 1024;
        var g = new GraphProto { Name = "gemm" };
        var rng = new Random(1);
        var w = new float[n * n];
        for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextDouble();
        g.Initializer.Add(TensorCodec.Create("B", [n, n], w));
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = n });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = n });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } };
        g.Input.Add(new ValueInfoProto { Name = "A", Type = type });
        g.Output.Add(new ValueInfoProto { Name = "C", Type = type.Clone() });
        var node = new NodeProto { OpType = "MatMul", Name = "mm" };
        node.Input.Add("A");
        node.Input.Add("B");
        node.Output.Add("C");
        g.Node.Add(node);
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        using var session = new GraphSession(OnnxModel.FromProto(m, "<gemm peak>"), options);
        using var a = new TensorBuffer(n, n);
        using var cbuf = new TensorBuffer(n, n);
        Array.Copy(w, a.Data, w.Length);
        var binding = session.Bind(["A"], [a], ["C"], [cbuf]);
        for (int i = 0; i < 3; i++) session.Run(binding);
        double best = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 4; i++) session.Run(binding);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / 4);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    private static (double?, string?, int?, double?) RunTorch(int samples, string torchModel, IReadOnlyList<string>? layers, int? unitsPerLayer)
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        string script = Path.Combine(dir.FullName, "tools", "bench_torch_hooks.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) return (null, $"not measured: {script} or /usr/bin/python3 missing (run from the repository root; tools/setup.sh python)", null, null);
        string tmp = Path.Combine(Path.GetTempPath(), $"torch-bench-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var args = new List<string> { script, "--json", tmp, "--samples", samples.ToString(CultureInfo.InvariantCulture), "--model", torchModel };
        if (layers is not null) args.AddRange(["--layers", string.Join(",", layers)]);
        if (unitsPerLayer is int u) args.AddRange(["--units-per-layer", u.ToString(CultureInfo.InvariantCulture)]);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(tmp)) return (null, $"not measured: PyTorch script failed ({err.Result.Trim().Split('\n').LastOrDefault()}); tools/setup.sh python installs Debian's PyTorch", null, null);
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp));
        File.Delete(tmp);
        var root = doc.RootElement;
        double rate = root.GetProperty("ablations_per_s").GetDouble();
        string version = root.TryGetProperty("torch", out var v) ? v.ToString() : "?";
        int threads = root.TryGetProperty("threads", out var th) ? th.GetInt32() : 0;
        return (rate, $"PyTorch {version} ({torchModel}), forward hooks, one full pass per ablation, {threads} threads (tools/bench_torch_hooks.py)",
            root.GetProperty("ablations").GetInt32(), root.GetProperty("seconds").GetDouble());
    }

    private static void PrintProfile(IReadOnlyList<LayerProfile> profile)
    {
        static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        var t = new Table().Title("fast path per layer (seconds summed over workers; wall = elapsed)")
            .AddColumns("layer", "ablations", "workers", "rows/run", "K", "wall", "prefix", "suffix", "mask", "copy", "score", "store", "prefix runs", "suffix runs", "cache");
        foreach (var p in profile)
            t.AddRow(Markup.Escape(p.Layer), p.Ablations.ToString(CultureInfo.InvariantCulture), p.Workers.ToString(CultureInfo.InvariantCulture),
                p.RowsPerRun.ToString(CultureInfo.InvariantCulture), p.AblationsPerRun.ToString(CultureInfo.InvariantCulture), F(p.Wall), F(p.Prefix), F(p.Suffix),
                F(p.Mask), F(p.Copy), F(p.Score), F(p.Store), p.PrefixRuns.ToString(CultureInfo.InvariantCulture), p.SuffixRuns.ToString(CultureInfo.InvariantCulture), Markup.Escape(p.Cache + "; " + p.Update));
        AnsiConsole.Write(t);
    }

    private static string MachineName()
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        return $"{cpu}, {Environment.ProcessorCount} cores";
    }

    private static void Print(BenchResult r)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(r.Model)}[/] on {r.Samples} samples of {Markup.Escape(r.Data)}; {r.HiddenUnits} hidden units; {r.ForwardMflopPerSample:F1} MFLOP per sample; sweep needs {r.SweepGflopNeeded:F1} GFLOP; {Markup.Escape(r.Machine)}, {r.Threads} threads");
        AnsiConsole.MarkupLine($"ONNX Runtime GEMM peak (1024³ MatMul): {r.GemmPeakGflopPerSecond:F1} GFLOP/s (the highest of: {r.GemmPeakStart:F1} before the paths, {r.GemmPeakEnd:F1} after them" +
                               (r.PerLayer?.Any(l => l.GemmPeakAfterLayer is not null) == true ? ", and after each fast layer" : "") + $"); baseline pass {r.BaselinePassSeconds * 1000:F0} ms; {Markup.Escape(r.MemoryBudget ?? "")}; slow paths {r.BatchSize} samples per run");
        var t = new Table().AddColumns("path", "ablations", "seconds", "ablations/s", "samples/s", "GFLOP/s", "vs GEMM peak", "peak memory");
        foreach (var p in r.Paths)
            t.AddRow(p.Path, p.Ablations.ToString(CultureInfo.InvariantCulture), p.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                p.AblationsPerSecond.ToString("F2", CultureInfo.InvariantCulture), p.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                p.GflopPerSecond?.ToString("F1", CultureInfo.InvariantCulture) ?? "-", p.GflopPerSecond is double g ? (g / r.GemmPeakGflopPerSecond).ToString("P0", CultureInfo.InvariantCulture) : "-",
                p.PeakMemoryBytes is long m ? MemoryBudget.Format(m) : "-");
        if (r.TorchAblationsPerSecond is double tr)
            t.AddRow("pytorch hooks", r.TorchAblations?.ToString(CultureInfo.InvariantCulture) ?? "", r.TorchSeconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "",
                tr.ToString("F2", CultureInfo.InvariantCulture), (tr * r.Samples).ToString("N0", CultureInfo.InvariantCulture), "", "", "");
        AnsiConsole.Write(t);
        if (r.Profile is { } profile) PrintProfile(profile);
        AnsiConsole.MarkupLine($"peak memory (VmHWM) of the whole run: {(r.PeakMemoryBytes is long pm ? MemoryBudget.Format(pm) : "unknown")} (budget {MemoryBudget.Format(r.MemoryBudgetBytes)}); load average {r.LoadAverageStart:F2} at the start, {r.LoadAverageEnd:F2} at the end");
        if (r.PerLayer is { Count: > 0 } layers) PrintLayers(layers, r.Compared);
        AnsiConsole.MarkupLine($"fast vs reference ×{r.FastVsReference:F1}" + (r.FastVsOverridable is double fo ? $", vs overridable ×{fo:F1}" : "") +
                               (r.FastVsTorch is double ft ? $", vs PyTorch hooks ×{ft:F1}" : $" ({Markup.Escape(r.TorchNote ?? "PyTorch not measured: pass --torch")})") +
                               $"; fast path at {r.FastShareOfGemmPeak:P0} of the GEMM peak; {(r.Scored == "drift" ? "drift (features output)" : "predictions")} identical to the reference on the {r.Compared} units both timed: {(r.Identical ? "yes" : "[red]NO[/]")}");
    }

    /// <summary>Per layer: seconds per ablation of each path, the ratio, the fast path's GFLOP/s and share of the GEMM peak; then the ratios' minimum and median.</summary>
    private static void PrintLayers(IReadOnlyList<BenchLayer> layers, int compared)
    {
        static string F(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
        var t = new Table().Title("per layer (each path's call for the layer timed on its own; fast includes its cut, sessions and prefix runs)")
            .AddColumns("layer", "units", "fast abl.", "fast s/abl.", "ref. abl.", "ref. s/abl.", "ovr. s/abl.", "fast vs ref.", "fast GFLOP/s", "of GEMM peak", "GEMM peak after", "of it");
        foreach (var l in layers)
            t.AddRow(Markup.Escape(l.Layer), l.Units.ToString(CultureInfo.InvariantCulture), l.FastAblations.ToString(CultureInfo.InvariantCulture),
                F(l.FastSecondsPerAblation, "F4"), l.ReferenceAblations.ToString(CultureInfo.InvariantCulture), F(l.ReferenceSecondsPerAblation, "F4"),
                F(l.OverridableSecondsPerAblation, "F4"), F(l.FastVsReference, "F1"), F(l.FastGflopPerSecond, "F1"), F(l.FastShareOfGemmPeak, "P0"),
                F(l.GemmPeakAfterLayer, "F1"), F(l.FastShareOfPeakAfterLayer, "P0"));
        AnsiConsole.Write(t);
        var (min, median, atTarget, measured) = BenchLayer.Summarize(layers, 5);
        AnsiConsole.MarkupLine($"per layer fast vs reference: min ×{F(min, "F1")}, median ×{F(median, "F1")}, {atTarget} of {measured} layers ≥ ×5 ({compared} ablations compared with the reference)");
    }
}
