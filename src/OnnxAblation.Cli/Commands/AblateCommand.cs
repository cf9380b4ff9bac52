using System.CommandLine;
using OnnxAblation.Ablation.Modes;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate ablate MODEL --units "LAYER:3,15" --mode M --save OUT.onnx</c>.</summary>
internal static class AblateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var units = new Option<string>("--units") { Description = "units to ablate, e.g. \"fc1:3,15;fc2:0\" or \"conv1:*\"", Required = true };
        var mode = new Option<string>("--mode") { Description = ModeSpec.Choices, DefaultValueFactory = _ => "zero-in" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "seed for noise" };
        var save = new Option<string?>("--save") { Description = "write the ablated model here" };
        var c = new Command("ablate", "Write an ablated copy of a model (and evaluate it when --data is given)");
        common.AddModelAndData(c, dataRequired: false);
        foreach (var o in new Option[] { units, mode, seed, save }) c.Options.Add(o);
        c.SetAction(r => Run.Guarded(() =>
        {
            var session = AblationSession.Open(common.LoadModel(r), common.LoadData(r), common.Session(r));
            var spec = ModeSpec.Parse(r.GetValue(mode)!, seed: r.GetValue(seed));
            var outcome = session.Ablate(r.GetValue(units)!, spec);
            if (r.GetValue(save) is { } path)
            {
                outcome.Ablated.Save(path);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({spec}, {Markup.Escape(string.Join("; ", outcome.Sets))})");
            }
            if (outcome is { Before: { } before, After: { } after })
            {
                AnsiConsole.MarkupLine($"accuracy {before.Accuracy * 100:F2}% → [bold]{after.Accuracy * 100:F2}%[/] ({(after.Accuracy - before.Accuracy) * 100:+0.00;-0.00} points)");
                EvalCommand.Print(after, session.ClassData);
            }
            return 0;
        }));
        return c;
    }
}
