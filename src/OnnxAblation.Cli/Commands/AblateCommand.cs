using System.CommandLine;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Runtime;
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
            var model = common.LoadModel(r);
            var data = common.LoadClassData(r, model);
            var options = common.Inference(r);
            var spec = ModeSpec.Parse(r.GetValue(mode)!, seed: r.GetValue(seed));
            var found = UnitDiscovery.Discover(model, data?.SampleShape);
            var sets = new StudyPlanner(found, spec).ParseUnits(r.GetValue(units)!);
            if (spec.Mode.NeedsUnitMeans && data is null)
                throw new ArgumentException($"{spec.Name} ablation needs --data to compute the unit means");
            var means = spec.Mode.NeedsUnitMeans ? UnitMeans.Compute(found, sets.Select(s => found[s.Layer]), data!, options) : null;
            var ablated = Ablator.Apply(found, sets, spec, means);
            if (r.GetValue(save) is { } path)
            {
                ablated.Save(path);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({spec}, {Markup.Escape(string.Join("; ", sets))})");
            }
            if (data is not null)
            {
                var before = Evaluator.Evaluate(model, data, options);
                var after = Evaluator.Evaluate(ablated, data, options);
                AnsiConsole.MarkupLine($"accuracy {before.Accuracy * 100:F2}% → [bold]{after.Accuracy * 100:F2}%[/] ({(after.Accuracy - before.Accuracy) * 100:+0.00;-0.00} points)");
                EvalCommand.Print(after, data);
            }
            return 0;
        }));
        return c;
    }
}
