using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxAblation.Data;
using OnnxAblation.Runtime;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate eval MODEL --data SPEC</c>: baseline metrics on ONNX Runtime.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var json = new Option<string?>("--json") { Description = "write the metrics as JSON to this file" };
        var c = new Command("eval", "Evaluate a model: overall and per-class accuracy, confusion matrix, mean cross-entropy, top-k");
        common.AddModelAndData(c);
        c.Options.Add(json);
        c.SetAction(r => Run.Guarded(() =>
        {
            var session = AblationSession.Open(common.LoadModel(r), common.LoadData(r), common.Session(r));
            var result = Run.Staged(p => session.Evaluate(p));
            var data = session.ClassData;
            Print(result, data);
            if (r.GetValue(json) is { } path) File.WriteAllText(path, ToJson(session.Model.Source, data, result));
            return 0;
        }));
        return c;
    }

    internal static void Print(EvaluationResult r, Dataset data)
    {
        AnsiConsole.MarkupLine($"samples {r.Samples}, accuracy [bold]{r.Accuracy * 100:F2}%[/], balanced {r.BalancedAccuracy * 100:F2}%, mean cross-entropy {r.MeanLoss:F4}" +
                               string.Concat(r.TopK.Where(k => k.Key > 1).Select(k => $", top-{k.Key} {k.Value * 100:F2}%")) +
                               (r.NonFinite > 0 ? $", [red]{r.NonFinite} non-finite outputs[/]" : ""));
        var t = new Table().AddColumns("class", "name", "samples", "accuracy", "mean loss");
        for (int c = 0; c < r.Classes; c++)
            t.AddRow(c.ToString(CultureInfo.InvariantCulture), Markup.Escape(data.ClassNames[c]), r.ClassCount[c].ToString(CultureInfo.InvariantCulture),
                r.ClassCount[c] == 0 ? "n/a (no samples)" : $"{r.ClassAccuracy[c] * 100:F2}%", r.ClassCount[c] == 0 ? "n/a" : r.ClassMeanLoss[c].ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(t);
        var cm = new Table().Title("confusion (rows: true, columns: predicted)").AddColumn("");
        for (int c = 0; c < r.Classes; c++) cm.AddColumn(c.ToString(CultureInfo.InvariantCulture));
        for (int y = 0; y < r.Classes; y++)
            cm.AddRow([y.ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(0, r.Classes).Select(p => r.Confusion[y * r.Classes + p].ToString(CultureInfo.InvariantCulture))]);
        AnsiConsole.Write(cm);
    }

    internal static string ToJson(string model, Dataset data, EvaluationResult r)
    {
        static double? N(double v) => double.IsFinite(v) ? v : null;
        return JsonSerializer.Serialize(new
        {
            model,
            data = data.Spec,
            samples = r.Samples,
            classes = r.Classes,
            class_names = data.ClassNames,
            accuracy = r.Accuracy,
            balanced_accuracy = N(r.BalancedAccuracy),
            mean_loss = N(r.MeanLoss),
            top_k = r.TopK.ToDictionary(k => k.Key.ToString(CultureInfo.InvariantCulture), k => k.Value),
            class_accuracy = r.ClassAccuracy.Select(N),
            class_count = r.ClassCount,
            class_mean_loss = r.ClassMeanLoss.Select(N),
            confusion = Enumerable.Range(0, r.Classes).Select(y => r.Confusion.Skip(y * r.Classes).Take(r.Classes)),
            non_finite = r.NonFinite,
        }, JsonOptions);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
