using System.CommandLine;
using System.Globalization;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate inspect MODEL</c>: inputs, outputs, op counts, layers and their units, parameters, and what cannot be ablated and why.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model file" };
        var json = new Option<string>("--json") { Description = "also write the layers, units, coupled tensors and what can and cannot be ablated (and why) as JSON to this file ('-' for standard output)" };
        var sampleShape = new Option<string>("--sample-shape") { Description = "shape of one input sample, e.g. 3,224,224, where the model's input dims are symbolic (needed to follow units through Reshape/Concat)" };
        var paths = new Option<bool>("--paths") { Description = "also say, per hidden layer, whether its single-unit (zero-in) ablations take the fast path or the reference path, and why (cuts the graph, evaluates nothing)" };
        var pathsTsv = new Option<string>("--paths-tsv") { Description = "write those paths as TSV (layer, units, path, reason, update: mask or the linear update of the first consumer) to this file; implies --paths" };
        var c = new Command("inspect", "List a model's inputs, outputs, op counts, ablatable layers with unit counts, and what cannot be ablated and why");
        c.Arguments.Add(model);
        c.Options.Add(json);
        c.Options.Add(sampleShape);
        c.Options.Add(paths);
        c.Options.Add(pathsTsv);
        c.SetAction(r => Run.Guarded(() =>
        {
            var m = OnnxModel.Load(r.GetValue(model)!);
            int[]? shape = r.GetValue(sampleShape) is { } s
                ? s.Split(',', StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray() : null;
            var session = AblationSession.Open(m, null);
            var units = session.Inspect(shape);
            if (r.GetValue(json) is { } path)
            {
                if (path == "-")
                {
                    using var stdout = Console.OpenStandardOutput();
                    ModelInspection.WriteJson(units, stdout);
                    return 0;
                }
                using var f = File.Create(path);
                ModelInspection.WriteJson(units, f);
            }
            Print(m, units);
            if (r.GetValue(paths) || r.GetValue(pathsTsv) is not null)
                PrintPaths(session.Paths(shape), r.GetValue(pathsTsv));
            return 0;
        }));
        return c;
    }

    private static string Shape(GraphIndex g, string name) =>
        "[" + string.Join(",", (g.DeclaredShape(name) ?? []).Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?")) + "]";

    private static void Print(OnnxModel m, ModelUnits units)
    {
        var g = m.Index();
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(m.Source)}[/]  ir_version {m.Proto.IrVersion}, opset {string.Join(", ", m.Proto.OpsetImport.Select(o => (o.Domain.Length == 0 ? "ai.onnx" : o.Domain) + " " + o.Version))}, producer {Markup.Escape(m.Proto.ProducerName)} {Markup.Escape(m.Proto.ProducerVersion)}");
        foreach (var i in g.RealInputs) AnsiConsole.MarkupLine($"input  [green]{Markup.Escape(i.Name)}[/] {Markup.Escape(Shape(g, i.Name))}");
        foreach (var o in m.Graph.Output) AnsiConsole.MarkupLine($"output [green]{Markup.Escape(o.Name)}[/] {Markup.Escape(Shape(g, o.Name))}");
        long parameters = m.Graph.Initializer.Sum(TensorCodec.ElementCount);
        AnsiConsole.MarkupLine($"{m.Graph.Node.Count} nodes, {m.Graph.Initializer.Count} initializers, {parameters:N0} parameters");
        AnsiConsole.MarkupLine("ops: " + string.Join(", ", m.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(x => x.Count()).Select(x => $"{x.Key}×{x.Count()}")));
        foreach (var n in units.Notes) AnsiConsole.MarkupLine($"[grey]note[/] {Markup.Escape(n)}");
        var t = new Table().AddColumns("#", "layer", "op", "weight", "shape", "units", "bias", "BatchNorm", "role", "outgoing");
        foreach (var l in units.Layers)
        {
            string outgoing = l.OutgoingProblem is not null ? "[yellow]unmapped[/]"
                : string.Join(", ", units.Consumers(l).Select(x => x.Name)) is { Length: > 0 } s ? Markup.Escape(s) + (l.OutgoingMerged ? " (via residual Add)" : "") : "-";
            t.AddRow(l.Position.ToString(CultureInfo.InvariantCulture), Markup.Escape(l.Name), l.OpType, Markup.Escape(l.WeightName),
                Markup.Escape("[" + string.Join(",", l.WeightShape) + "]"), l.UnitCount.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(l.BiasName ?? "-"), l.BatchNormNodeIndex is int b ? Markup.Escape(GraphIndex.DisplayName(units.Model.Graph.Node[b])) : l.AffineTensors.Count > 0 ? "Mul/Add" : "-",
                l.IsOutputLayer ? "output" : "hidden", outgoing);
        }
        AnsiConsole.Write(t);
        foreach (var l in units.Layers.Where(l => l.OutgoingProblem is not null))
            AnsiConsole.MarkupLine($"[yellow]note[/] {Markup.Escape(l.Name)}: {Markup.Escape(l.OutgoingProblem!)} (zero-out unavailable; zero-in works)");
        foreach (var (op, layers) in ModelInspection.StopsByOp(units))
            AnsiConsole.MarkupLine($"[yellow]stops at {Markup.Escape(op)}[/]: zero-out unavailable for {layers.Count} layer(s): {Markup.Escape(string.Join(", ", layers.Take(6)))}{(layers.Count > 6 ? ", …" : "")}");
        foreach (var p in units.Unmapped) AnsiConsole.MarkupLine($"[yellow]not ablatable[/] {Markup.Escape(p.ToString())}");
        if (units.HeadLayers.Count > 0)
        {
            var h = new Table().Title("attention heads (ablate as LAYER:HEADS, e.g. the first: " + Markup.Escape(units.HeadLayers[0].Name) + ":0)")
                .AddColumns("heads layer", "heads", "head size", "values (layer, units)", "output projection");
            foreach (var l in units.HeadLayers)
            {
                var a = l.Attention!;
                h.AddRow(Markup.Escape(l.Name), a.HeadCount.ToString(CultureInfo.InvariantCulture), a.HeadSize.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape($"{a.ValueLayer} {a.ValueOffset}..{a.ValueOffset + a.Width - 1}"), Markup.Escape(a.OutputLayer));
            }
            AnsiConsole.Write(h);
            foreach (var b in units.Blocks)
                AnsiConsole.MarkupLine($"block [green]{Markup.Escape(b.Name)}[/]: removed from the residual stream by ablating every unit of {Markup.Escape(b.Layer)} (study --blocks)");
        }
        AnsiConsole.MarkupLine($"{units.Layers.Count} ablatable layers ({units.HiddenLayers.Count()} hidden), {units.Layers.Sum(l => l.UnitCount):N0} units; {units.Unmapped.Count} weight-bearing nodes not ablatable" +
                               (units.HeadLayers.Count > 0 ? $"; {units.HeadLayers.Count} attention layers with {units.HeadLayers.Sum(l => l.UnitCount)} heads" : ""));
    }

    private static void PrintPaths(IReadOnlyList<Results.LayerPath> paths, string? tsv)
    {
        var t = new Table().Title("evaluator path of single-unit (zero-in) ablations per hidden layer").AddColumns("layer", "units", "path", "why not fast / suffix update");
        foreach (var p in paths)
            t.AddRow(Markup.Escape(p.Layer), p.Units.ToString(CultureInfo.InvariantCulture), p.Fast ? "[green]fast[/]" : "[yellow]reference[/]", Markup.Escape(p.Reason ?? p.Update ?? ""));
        AnsiConsole.Write(t);
        var wide = paths.Where(p => p.Units >= 8).ToList();
        AnsiConsole.MarkupLine($"fast path: {paths.Count(p => p.Fast)} of {paths.Count} hidden layers; {wide.Count(p => p.Fast)} of {wide.Count} with at least 8 units");
        if (tsv is null) return;
        using var w = new StreamWriter(tsv);
        w.WriteLine("layer\tunits\tpath\treason\tupdate");
        foreach (var p in paths)
            w.WriteLine(string.Join('\t', p.Layer, p.Units.ToString(CultureInfo.InvariantCulture), p.Fast ? "fast" : "reference", (p.Reason ?? "").Replace('\t', ' ').Replace('\n', ' '), p.Update ?? ""));
    }
}
