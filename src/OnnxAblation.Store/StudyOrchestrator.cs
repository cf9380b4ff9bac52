using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// Runs a <see cref="StudyDefinition"/> in two phases. Phase 1 needs nothing measured (baseline, singles,
/// groups, pairs, whole layers, random cumulative orders). Phase 2 orders units by the measured single-unit
/// impact (cumulative by impact, per-class top/bottom N), so it needs every single of its layers: in a sharded
/// run it is skipped and done by re-running the study on the merged store.
/// </summary>
public sealed class StudyOrchestrator(ModelUnits units, StudyPlanner planner, StudyRunner runner, ResultStore store)
{
    public bool Sharded { get; init; }

    /// <summary>What orders units "by measured impact" (default: the accuracy drop; per-class orders use the class's accuracy, or agreement).</summary>
    public ImpactMeasure Impact { get; init; } = ImpactMeasure.Accuracy;

    /// <summary>Layers (and groups) the last <see cref="Run"/> left out because the mode cannot ablate them, with reasons.</summary>
    public IReadOnlyList<SkippedLayer> Skipped { get; private set; } = [];

    /// <summary>Ablations (the baseline not counted) the last <see cref="Run"/> planned over all shards.</summary>
    public int Planned { get; private set; }

    /// <summary>
    /// The definition without the layers the mode cannot ablate (and the groups that name one); they go to
    /// <see cref="Skipped"/> and into the store's metadata, so reports and exports say what was left out and why.
    /// </summary>
    public StudyDefinition Feasible(StudyDefinition def)
    {
        var (feasible, skipped) = Prune(units, planner, def);
        Skipped = skipped;
        foreach (var s in skipped) store.RecordSkipped(s.Layer, s.Reason);
        return feasible;
    }

    /// <summary>The definition without the layers the mode cannot ablate, and those layers with the reasons (nothing is recorded).</summary>
    public static (StudyDefinition Feasible, IReadOnlyList<SkippedLayer> Skipped) Prune(ModelUnits units, StudyPlanner planner, StudyDefinition def)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(def);
        var named = def.SingleLayers.Concat(def.PairLayers).Concat(def.WholeLayers).Concat(def.CumulativeLayers).Concat(def.ClassTopLayers).Concat(def.AcrossLayers)
            .Concat(def.Groups.SelectMany(g => g.Select(s => s.Layer))).Distinct(StringComparer.Ordinal);
        var skipped = new List<SkippedLayer>();
        foreach (var name in named)
            if (planner.Mode.Unavailable(units, units[name]) is { } why) skipped.Add(new SkippedLayer(name, why));
        if (skipped.Count == 0) return (def, skipped);
        var bad = skipped.Select(s => s.Layer).ToHashSet(StringComparer.Ordinal);
        List<string> Keep(IEnumerable<string> layers) => layers.Where(l => !bad.Contains(l)).ToList();
        return (def with
        {
            SingleLayers = Keep(def.SingleLayers),
            PairLayers = Keep(def.PairLayers),
            WholeLayers = Keep(def.WholeLayers),
            CumulativeLayers = Keep(def.CumulativeLayers),
            ClassTopLayers = Keep(def.ClassTopLayers),
            AcrossLayers = Keep(def.AcrossLayers),
            Groups = def.Groups.Where(g => !g.Any(s => bad.Contains(s.Layer))).ToList(),
        }, skipped);
    }

    public IReadOnlyList<PlannedAblation> PhaseOne(StudyDefinition def) => PhaseOne(units, planner, def);

    /// <summary>Phase-1 items (the baseline first): nothing in them depends on measured results.</summary>
    public static IReadOnlyList<PlannedAblation> PhaseOne(ModelUnits units, StudyPlanner planner, StudyDefinition def)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(def);
        var plan = new List<PlannedAblation> { planner.Baseline() };
        plan.AddRange(planner.Singles(def.SingleLayers.Concat(def.PairLayers).Concat(def.CumulativeLayers).Concat(def.ClassTopLayers).Concat(def.AcrossLayers).Distinct().Select(l => units[l])));
        plan.AddRange(def.Groups.Select(g => planner.Plan(StudyKey.Group.Format(), g)));
        foreach (var l in def.PairLayers) plan.AddRange(planner.Pairs(units[l]));
        plan.AddRange(planner.WholeLayers(def.WholeLayers.Select(l => units[l])));
        foreach (var l in def.CumulativeLayers)
            for (int s = 1; s <= def.CumulativeSeeds; s++)
                plan.AddRange(planner.Cumulative(units[l], StudyPlanner.RandomOrder(units[l].UnitCount, s), StudyKey.Cumulative(l, StudyKey.RandomOrder(s)).Format()));
        if (def.AcrossLayers.Count > 0)
        {
            var items = planner.AcrossItems(def.AcrossLayers);
            for (int s = 1; s <= def.CumulativeSeeds; s++)
                plan.AddRange(planner.CumulativeAcross(StudyPlanner.RandomOrder(items.Count, s).Select(i => items[i]).ToList(), StudyKey.Across(StudyKey.RandomOrder(s)).Format()));
        }
        return plan;
    }

    /// <summary>Phase-2 items; null when single results of the layers are not all in the store yet.</summary>
    public IReadOnlyList<PlannedAblation>? PhaseTwo(StudyDefinition def)
    {
        ArgumentNullException.ThrowIfNull(def);
        var analysis = new StudyAnalysis(store.All(), store.Metadata.Samples);
        return PhaseTwo(units, planner, Impact, def, store.Metadata.Classes, (layer, c) => SingleDrops(analysis, layer, c));
    }

    /// <summary>
    /// Phase-2 items from the single-unit impacts <paramref name="drops"/> gives (per layer, overall or of class c; null:
    /// not measured yet, and the result is null). <c>plan</c> passes zeros: the same items in another order.
    /// </summary>
    public static IReadOnlyList<PlannedAblation>? PhaseTwo(ModelUnits units, StudyPlanner planner, ImpactMeasure impact, StudyDefinition def, int classes,
        Func<Layer, int?, double[]?> impacts)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(impacts);
        var plan = new List<PlannedAblation>();
        foreach (var l in def.CumulativeLayers)
        {
            var drops = impacts(units[l], null);
            if (drops is null) return null;
            string order = StudyKey.ImpactOrder(impact == ImpactMeasure.Accuracy ? null : Impacts.Name(impact));
            plan.AddRange(planner.Cumulative(units[l], Impacts.Order(drops), StudyKey.Cumulative(l, order).Format()));
        }
        if (def.AcrossLayers.Count > 0)
        {
            var items = planner.AcrossItems(def.AcrossLayers);
            var drops = new double[items.Count];
            int at = 0;
            foreach (var l in def.AcrossLayers)
            {
                var d = impacts(units[l], null);
                if (d is null) return null;
                d.CopyTo(drops, at);
                at += d.Length;
            }
            string order = StudyKey.ImpactOrder(impact == ImpactMeasure.Accuracy ? null : Impacts.Name(impact));
            var byImpact = Impacts.Order(drops);
            plan.AddRange(planner.CumulativeAcross(byImpact.Select(i => items[i]).ToList(), StudyKey.Across(order).Format()));
            // Michel et al. 2019 prune the least important heads first: how many can go before accuracy falls
            plan.AddRange(planner.CumulativeAcross(byImpact.Reverse().Select(i => items[i]).ToList(), StudyKey.Across(StudyKey.LeastFirst(order)).Format()));
        }
        foreach (var l in def.ClassTopLayers)
        {
            var layer = units[l];
            for (int c = 0; c < classes; c++)
            {
                var drops = impacts(layer, c);
                if (drops is null) return null;
                var order = Impacts.Order(drops);
                foreach (int n in def.ClassTopN.Where(n => n < layer.UnitCount))
                {
                    plan.Add(planner.Plan(StudyKey.ClassTop(l, c, n).Format(), [new UnitSet(l, order.Take(n).ToArray())]));
                    plan.Add(planner.Plan(StudyKey.ClassBottom(l, c, n).Format(), [new UnitSet(l, order.Reverse().Take(n).ToArray())]));
                }
            }
        }
        return plan;
    }

    /// <summary>Runs both phases; returns false if phase 2 had to wait (sharded run).</summary>
    public bool Run(StudyDefinition def, IProgress<(int Done, int Total)>? progress = null)
    {
        def = Feasible(def);
        var one = PhaseOne(def);
        Planned = one.Count(p => p.Key != AblationKey.Baseline);
        runner.Run(one, progress);
        if (Sharded) return false;
        var two = PhaseTwo(def);
        if (two is null) return false;
        Planned += two.Count;
        runner.Run(two, progress);
        return true;
    }

    /// <summary>Accuracy drop per unit (overall, or of class c) from single ablations, or null if any is missing.</summary>
    public double[]? SingleDrops(StudyAnalysis analysis, Layer layer, int? c)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(layer);
        var drops = new double[layer.UnitCount];
        for (int u = 0; u < layer.UnitCount; u++)
        {
            var r = analysis.Find(planner.Key([new UnitSet(layer.Name, [u])]));
            if (r is null) return null;
            var measure = c is null || Impact == ImpactMeasure.Agreement ? Impact : ImpactMeasure.Accuracy;
            drops[u] = Impacts.Of(r, analysis.Baseline, measure, c);
            if (double.IsNaN(drops[u]) && measure != ImpactMeasure.Accuracy)
                throw new AblationException($"unit {u} of '{layer.Name}' has no {Impacts.Name(measure)} measurement in the store (written by an older version?); rerun its single-unit ablations into a new store");
        }
        return drops;
    }
}
