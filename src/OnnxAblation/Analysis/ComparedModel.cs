using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Data;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

using OnnxAblation.Studies;

namespace OnnxAblation.Analysis;

/// <summary>
/// One side of a comparison: the model's single-unit and whole-layer zero-in study run into its own store (resumable),
/// summarised per hidden layer.
/// </summary>
public sealed class ComparedModel
{
    public required string Label { get; init; }

    public required string Model { get; init; }

    public required string Store { get; init; }

    public required string Evaluator { get; init; }

    /// <summary>Ablations evaluated by this run (the rest were already in the store).</summary>
    public required int Evaluated { get; init; }

    public required AblationRecord Baseline { get; init; }

    /// <summary>The Mann-Whitney reference: the init model, or null for PyTorch's default uniform init.</summary>
    public string? Init { get; init; }

    public required IReadOnlyList<ComparedLayer> Layers { get; init; }

    /// <summary>Runs (or resumes) the study and summarises it.</summary>
    public static ComparedModel RunStudy(string label, OnnxModel model, OnnxModel? init, Dataset data, int? limit, InferenceOptions options, string storePath, bool exactReference,
        IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default, FastOptions? fast = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var ctx = StudySetup.Open(model, data, limit, options, ModeSpec.ZeroIn, seed: 1, storePath, exactReference, fast ?? new FastOptions(), shard: null);
        var hidden = ctx.Units.HiddenLayers.ToList();
        if (hidden.Count == 0) throw new ArgumentException($"{model.Source}: no hidden layers to compare");
        var def = new StudyDefinition { SingleLayers = hidden.Select(l => l.Name).ToList(), WholeLayers = hidden.Select(l => l.Name).ToList() };
        int before = ctx.Store.Count;
        new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store).Run(def, new StageProgress(progress, $"study {label} ({ctx.Evaluator.Name})", cancellation));
        int evaluated = ctx.Store.Count - before;
        var records = ctx.Store.All();
        var a = new StudyAnalysis(records, data.Count);
        var layers = new List<ComparedLayer>();
        foreach (var layer in hidden)
        {
            var damage = UnitDamage.FromRecords(a.Baseline, records, layer.Name, layer.UnitCount, ctx.Mode.ToString());
            var singles = Enumerable.Range(0, layer.UnitCount)
                .Select(u => a.Find(ctx.Planner.Key([new UnitSet(layer.Name, [u])])) ?? throw new InvalidOperationException($"{ctx.Store.Path}: single-unit result of {layer.Name}:{u} missing after the study"))
                .ToList();
            var classDrops = singles.Select(r => r.ClassAccuracy.Select((x, c) => a.Baseline.ClassAccuracy[c] - x).ToArray()).ToList();
            var whole = a.Find(ctx.Planner.Key([new UnitSet(layer.Name, Enumerable.Range(0, layer.UnitCount).ToArray())]));
            var selective = singles.Select(a.Impact).OrderByDescending(i => i.Selectivity).ThenBy(i => i.Units[0]).Take(5).ToList();
            var weights = WeightMetrics.Compute(ctx.Units, layer, init);
            var mw = Correlation.Spearman(weights.Units.Select(u => u.Change.P).ToArray(), damage.AccuracyDrop);
            layers.Add(new ComparedLayer(layer, damage, classDrops, whole is null ? double.NaN : a.Baseline.Accuracy - whole.Accuracy, selective, mw));
        }
        return new ComparedModel
        {
            Label = label,
            Model = model.Source,
            Store = ctx.Store.Path,
            Evaluator = ctx.Evaluator.Name,
            Evaluated = evaluated,
            Baseline = a.Baseline,
            Init = init?.Source,
            Layers = layers,
        };
    }
}
