using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Studies;

namespace OnnxAblation.Results;

/// <summary>A study run (or resumed) into its store: what was planned, skipped and evaluated; owns the open store until disposed.</summary>
public sealed class StudyResult : IDisposable
{
    internal StudyResult(StudyContext context, StudyDefinition definition, StudyOrchestrator orchestrator, bool complete, bool layersNamed)
    {
        Context = context;
        Definition = definition;
        Skipped = orchestrator.Skipped;
        Planned = orchestrator.Planned;
        Impact = orchestrator.Impact;
        Complete = complete;
        LayersNamed = layersNamed;
    }

    /// <summary>Model, data, units, mode, store and evaluator of the study.</summary>
    public StudyContext Context { get; }

    /// <summary>What was asked for (layers the mode cannot ablate are in <see cref="Skipped"/>).</summary>
    public StudyDefinition Definition { get; }

    /// <summary>Layers left out, each with its reason.</summary>
    public IReadOnlyList<SkippedLayer> Skipped { get; }

    /// <summary>Ablations planned (0: nothing could be ablated).</summary>
    public int Planned { get; }

    /// <summary>What ordered units by measured impact.</summary>
    public ImpactMeasure Impact { get; }

    /// <summary>False when a phase needs every shard's results first (merge the shard stores, then run again without a shard).</summary>
    public bool Complete { get; }

    /// <summary>Whether the caller named the layers or groups (then a skipped one is a failure, not a default left out).</summary>
    public bool LayersNamed { get; }

    /// <summary>Every stored result, analysed against the baseline.</summary>
    public StudyAnalysis Analysis => new(Context.Store.All(), Context.Data.Count);

    /// <summary>The intact model's accuracy on the study's data.</summary>
    public double BaselineAccuracy => Analysis.Baseline.Accuracy;

    /// <summary>What ablating each unit of <paramref name="layer"/> alone did (units measured so far, in unit order).</summary>
    public IReadOnlyList<UnitImpact> Singles(string layer)
    {
        var l = Context.Units[layer];
        var analysis = Analysis;
        return Enumerable.Range(0, l.UnitCount)
            .Select(u => analysis.Find(Context.Planner.Key([new UnitSet(l.Name, [u])])))
            .OfType<AblationRecord>().Select(analysis.Impact).ToList();
    }

    public void Dispose() => Context.Dispose();
}
