using System.CommandLine;
using System.Globalization;
using OnnxAblation.Runtime;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Requests;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Recovery;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate recover MODEL --units … --train SPEC --test SPEC --epochs N --out recovered.onnx</c>: damage a network,
/// fine-tune it with the damage held (TorchSharp), measure each epoch with ONNX Runtime, store and plot the curve.
/// With <c>--from-study STORE</c> the most damaging single unit and pair of that study are recovered instead.
/// </summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model file" };
        var units = new Option<string?>("--units") { Description = "damage to recover from, e.g. \"fc1:3,15\"" };
        var fromStudy = new Option<string?>("--from-study") { Description = "recover the most damaging single unit and pair stored in this study store" };
        var train = new Option<string>("--train") { Description = "training data spec", Required = true };
        var test = new Option<string>("--test") { Description = "test data spec", Required = true };
        var trainLimit = new Option<int?>("--train-limit") { Description = "first N training samples" };
        var testLimit = new Option<int?>("--test-limit") { Description = "first N test samples" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 3 };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.01 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam", DefaultValueFactory = _ => "sgd" };
        var scope = new Option<string>("--train-scope") { Description = "all, after (layers after the damage) or last (last layer only)", DefaultValueFactory = _ => "all" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var mode = new Option<string>("--mode") { Description = "zero-in or zero-out (the damage held at zero)", DefaultValueFactory = _ => "zero-in" };
        var output = new Option<string?>("--out") { Description = "write the recovered network (ONNX) here; with --from-study a prefix" };
        var store = new Option<string?>("--store") { Description = "store the recovery curves in this study store (default: --from-study's)" };
        var report = new Option<string?>("--report") { Description = "write the curves as Markdown here" };
        var plot = new Option<string?>("--plot") { Description = "draw the curves into this PNG" };
        var c = new Command("recover", "Recovery training: fine-tune a damaged network with the damage held and measure what comes back");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { units, fromStudy, train, test, trainLimit, testLimit, epochs, lr, optimizer, scope, batch, seed, threads, mode, output, store, report, plot })
            c.Options.Add(o);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            var m = OnnxModel.Load(r.GetValue(model)!);
            var spec = ModeSpec.Parse(r.GetValue(mode)!);
            var training = new RecoveryOptions
            {
                Epochs = r.GetValue(epochs),
                LearningRate = r.GetValue(lr),
                Optimizer = r.GetValue(optimizer)!.ToLowerInvariant() switch
                {
                    "sgd" => RecoveryOptimizer.Sgd,
                    "adam" => RecoveryOptimizer.Adam,
                    var o => throw new ArgumentException($"optimizer '{o}' is not sgd or adam"),
                },
                Scope = r.GetValue(scope)!.ToLowerInvariant() switch
                {
                    "all" => RecoveryScope.All,
                    "after" => RecoveryScope.AfterDamage,
                    "last" => RecoveryScope.LastLayer,
                    var o => throw new ArgumentException($"train scope '{o}' is not all, after or last"),
                },
                BatchSize = r.GetValue(batch),
                Seed = r.GetValue(seed),
                Threads = Math.Max(1, r.GetValue(threads)),
                Mode = spec,
            };
            var session = AblationSession.Open(m, DataSets.Load(r.GetValue(test)!, r.GetValue(testLimit)));
            var request = new RecoverRequest
            {
                Train = DataSets.Load(r.GetValue(train)!, r.GetValue(trainLimit)),
                Units = r.GetValue(units),
                FromStudy = r.GetValue(fromStudy),
                StorePath = r.GetValue(store),
                Training = training,
            };
            var outcome = session.Recover(request, new EpochLines(), cancellation);
            var curves = new List<(string Name, string Damage, IReadOnlyList<RecoveryEpoch> Curve)>();
            for (int i = 0; i < outcome.Runs.Count; i++)
            {
                var run = outcome.Runs[i];
                curves.Add((run.Name, run.DamageText, run.Result.Curve));
                if (r.GetValue(output) is { } outPath)
                {
                    string path = outcome.Runs.Count == 1 ? outPath : Path.ChangeExtension(outPath, null) + $"-{i}.onnx";
                    run.Result.Recovered.Save(path);
                    Console.Error.WriteLine($"  wrote {path} (ONNX Runtime accuracy {run.Result.Final.Accuracy * 100:F2}%)");
                }
            }
            using (var stdout = new StringWriter(CultureInfo.InvariantCulture))
            {
                WriteReport(stdout, m.Source, session.ClassData, outcome.IntactAccuracy, training, curves, r.GetValue(plot));
                Console.Out.Write(stdout.ToString());
                if (r.GetValue(report) is { } rp) File.WriteAllText(rp, stdout.ToString());
            }
            if (r.GetValue(plot) is { } png) RecoveryPlot.Draw(png, outcome.IntactAccuracy, curves);
            return 0;
        }));
        return c;
    }

    private static void WriteReport(TextWriter w, string model, Dataset test, double baseline, RecoveryOptions o,
        List<(string Name, string Damage, IReadOnlyList<RecoveryEpoch> Curve)> curves, string? plot)
    {
        w.WriteLine($"## Recovery training of `{model}`");
        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Intact accuracy {baseline * 100:F2}% on `{test.Spec}` ({test.Count} samples). Training: {o.Optimizer}, lr {o.LearningRate}, batch {o.BatchSize}, {o.Epochs} epochs, trains {o.Scope}, seed {o.Seed}; the ablated weights are held at exactly zero; every point is measured by ONNX Runtime on the written-back model."));
        w.WriteLine();
        w.WriteLine("| damage | units | " + string.Join(" | ", Enumerable.Range(0, o.Epochs + 1).Select(e => e == 0 ? "damaged" : $"epoch {e}")) + " | recovered share of the loss |");
        w.WriteLine("|---|---|" + string.Concat(Enumerable.Repeat("---:|", o.Epochs + 2)));
        foreach (var (name, damage, curve) in curves)
        {
            double lost = baseline - curve[0].TestAccuracy;
            double back = curve[^1].TestAccuracy - curve[0].TestAccuracy;
            string share = lost > 0 ? (back / lost).ToString("P0", CultureInfo.InvariantCulture) : "-";
            w.WriteLine($"| {name} | {(damage.Length == 0 ? "none" : $"`{damage}`")} | " + string.Join(" | ", curve.Select(e => (e.TestAccuracy * 100).ToString("F2", CultureInfo.InvariantCulture) + "%")) + $" | {share} |");
        }
        w.WriteLine();
        if (plot is not null) w.WriteLine($"![recovery curves]({Path.GetFileName(plot)})");
        w.WriteLine();
    }
}
