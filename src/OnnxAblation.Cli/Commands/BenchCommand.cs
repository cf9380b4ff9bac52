using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Runtime;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate bench</c>: a full single-unit zero-in sweep of every hidden unit, timed in one run on the same data by
/// (a) the reference path, (b) overridable-initializer sessions, (c) the fast path, next to the GEMM peak of ONNX
/// Runtime on this machine and (optionally) the PyTorch forward-hook loop users would write instead.
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
        var cacheMb = new Option<int>("--cache-mb") { Description = "fast path: memory for prefix outputs kept between calls (MB)", DefaultValueFactory = _ => 512 };
        var fastOnly = new Option<bool>("--fast-only") { Description = "time only the fast path (for tuning K and rows)" };
        var c = new Command("bench", "Benchmark a full single-unit sweep: reference vs overridable vs fast path, against the GEMM peak and PyTorch hooks");
        common.AddModelAndData(c);
        c.Options.Add(json);
        c.Options.Add(subset);
        c.Options.Add(torch);
        c.Options.Add(k);
        c.Options.Add(rows);
        c.Options.Add(fastOnly);
        c.Options.Add(cacheMb);
        c.SetAction(r => Run.Guarded(() =>
        {
            var model = common.LoadModel(r);
            var data = common.LoadClassData(r, model)!;
            var options = common.Inference(r);
            var fast = new FastOptions { AblationsPerRun = r.GetValue(k), RowsPerRun = r.GetValue(rows), PrefixCacheBytes = r.GetValue(cacheMb) * 1024L * 1024 };
            var result = Measure(model, data, options, r.GetValue(subset), r.GetValue(torch), fast, r.GetValue(fastOnly));
            string text = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
            if (r.GetValue(json) is { } path) File.WriteAllText(path, text + "\n");
            Print(result);
            return result.Identical ? 0 : 1;
        }));
        return c;
    }

    internal sealed record PathFigures(string Path, int Ablations, double Seconds, double AblationsPerSecond, double SamplesPerSecond, double? GflopPerSecond);

    internal sealed record BenchResult(
        string Model, string Data, int Samples, int Threads, string Machine, string OnnxRuntime,
        int HiddenUnits, double ForwardMflopPerSample, double SweepGflopNeeded, double GemmPeakGflopPerSecond,
        double BaselinePassSeconds, IReadOnlyList<PathFigures> Paths, bool Identical, double? TorchAblationsPerSecond, string? TorchNote,
        double FastVsReference, double FastVsOverridable, double? FastVsTorch, double FastShareOfGemmPeak);

    private static BenchResult Measure(OnnxModel model, Dataset data, InferenceOptions options, int slowUnits, bool torch, FastOptions fastOptions, bool fastOnly)
    {
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var hidden = units.HiddenLayers.ToList();
        var all = hidden.SelectMany(l => Enumerable.Range(0, l.UnitCount).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [u])])).ToList();
        var slow = hidden.SelectMany(l => Enumerable.Range(0, Math.Min(fastOnly ? 1 : slowUnits, l.UnitCount)).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [u])])).ToList();
        var flops = new FlopCounter(units, data.SampleShape);
        // What the sweep needs: each layer's prefix once, and its suffix once per ablated unit.
        double sweepFlop = hidden.Sum(l => 2 * data.Count * (flops.PrefixMacs(l) + l.UnitCount * flops.SuffixMacs(l)));
        double slowFullPassFlop = 2 * data.Count * flops.TotalMacs;
        double peak = GemmPeak(options);

        var sw = Stopwatch.StartNew();
        using (var s = ModelSession.Create(model, options, data.SampleShape)) Evaluator.Evaluate(s, data, OutputKinds.Of(model));
        double baseline = sw.Elapsed.TotalSeconds;

        var figures = new List<PathFigures>();
        var referenceResults = new Dictionary<string, int[]>();
        PathFigures Time(string name, IAblationEvaluator e, List<IReadOnlyList<UnitSet>> list, Func<double>? flop, Action<int, EvaluationResult>? keep = null)
        {
            var watch = Stopwatch.StartNew();
            Run.WithProgress(name, p =>
            {
                int done = 0;
                e.Evaluate(list, (i, res) => { keep?.Invoke(i, res); p.Report((++done, list.Count)); });
                return 0;
            });
            double t = watch.Elapsed.TotalSeconds;
            e.Dispose();
            var f = new PathFigures(name, list.Count, t, list.Count / t, (double)list.Count * data.Count / t, flop is null ? null : flop() / t / 1e9);
            figures.Add(f);
            return f;
        }

        Time("reference", new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options), slow, () => slowFullPassFlop * slow.Count,
            (i, res) => referenceResults[slow[i][0].ToString()] = res.Predicted);
        Time("overridable", new OverridableEvaluator(units, data, ModeSpec.ZeroIn, options), slow, () => slowFullPassFlop * slow.Count);
        bool identical = true;
        var fast = Time("fast", new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: fastOptions), all, () => sweepFlop,
            (i, res) => { if (referenceResults.TryGetValue(all[i][0].ToString(), out var p) && !p.SequenceEqual(res.Predicted)) identical = false; });

        double? torchRate = null;
        string? torchNote = null;
        if (torch) (torchRate, torchNote) = RunTorch(data.Count);
        double refRate = figures[0].AblationsPerSecond, ovRate = figures[1].AblationsPerSecond;
        return new BenchResult(model.Source, data.Spec, data.Count, options.Threads, MachineName(), typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "?",
            all.Count, 2 * flops.TotalMacs / 1e6, sweepFlop / 1e9, peak, baseline, figures, identical, torchRate, torchNote,
            fast.AblationsPerSecond / refRate, fast.AblationsPerSecond / ovRate, torchRate is double tr ? fast.AblationsPerSecond / tr : null,
            (fast.GflopPerSecond ?? 0) / peak);
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

    private static (double?, string?) RunTorch(int samples)
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        string script = Path.Combine(dir.FullName, "tools", "bench_torch_hooks.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) return (null, $"not measured: {script} or /usr/bin/python3 missing (run from the repository root; tools/setup.sh python)");
        string tmp = Path.Combine(Path.GetTempPath(), $"torch-bench-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--json", tmp, "--samples", samples.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(tmp)) return (null, $"not measured: PyTorch script failed ({err.Result.Trim().Split('\n').LastOrDefault()}); tools/setup.sh python installs Debian's PyTorch");
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp));
        double rate = doc.RootElement.GetProperty("ablations_per_s").GetDouble();
        string version = doc.RootElement.TryGetProperty("torch", out var v) ? v.ToString() : "?";
        return (rate, $"PyTorch {version}, forward hooks, one full pass per ablation, 2 threads (tools/bench_torch_hooks.py)");
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
        AnsiConsole.MarkupLine($"ONNX Runtime GEMM peak (1024³ MatMul): {r.GemmPeakGflopPerSecond:F1} GFLOP/s; baseline pass {r.BaselinePassSeconds * 1000:F0} ms");
        var t = new Table().AddColumns("path", "ablations", "seconds", "ablations/s", "samples/s", "GFLOP/s", "vs GEMM peak");
        foreach (var p in r.Paths)
            t.AddRow(p.Path, p.Ablations.ToString(CultureInfo.InvariantCulture), p.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                p.AblationsPerSecond.ToString("F2", CultureInfo.InvariantCulture), p.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                p.GflopPerSecond?.ToString("F1", CultureInfo.InvariantCulture) ?? "-", p.GflopPerSecond is double g ? (g / r.GemmPeakGflopPerSecond).ToString("P0", CultureInfo.InvariantCulture) : "-");
        if (r.TorchAblationsPerSecond is double tr) t.AddRow("pytorch hooks", "", "", tr.ToString("F2", CultureInfo.InvariantCulture), (tr * r.Samples).ToString("N0", CultureInfo.InvariantCulture), "", "");
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine($"fast vs reference ×{r.FastVsReference:F1}, vs overridable ×{r.FastVsOverridable:F1}" +
                               (r.FastVsTorch is double ft ? $", vs PyTorch hooks ×{ft:F1}" : $" ({Markup.Escape(r.TorchNote ?? "PyTorch not measured: pass --torch")})") +
                               $"; fast path at {r.FastShareOfGemmPeak:P0} of the GEMM peak; predictions identical to the reference on the timed units: {(r.Identical ? "yes" : "[red]NO[/]")}");
    }
}
