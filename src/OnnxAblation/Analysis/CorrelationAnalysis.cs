using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

using OnnxAblation.Studies;

namespace OnnxAblation.Analysis;

/// <summary>
/// Do per-unit metrics predict the damage of ablating the unit? Reads single-unit zero-in results from a store,
/// computes weight metrics (and activation metrics with data), correlates each metric with the damage, and evaluates
/// cumulative ablations in the order of each metric (into the same store, resumable) to compare with random orders.
/// </summary>
public sealed class CorrelationAnalysis
{
    /// <summary>The mode whose single-unit results are read and whose cumulative ablations are run.</summary>
    public const string Mode = "zero-in";

    public required string StorePath { get; init; }

    public required string Model { get; init; }

    /// <summary>The store's data as shown: the spec and its "(first N)" (<see cref="StoreMetadata.DataText"/>).</summary>
    public required string DataSpec { get; init; }

    public required int Samples { get; init; }

    public required AblationRecord Baseline { get; init; }

    /// <summary>The init model (Mann-Whitney reference), or null for PyTorch's default uniform init.</summary>
    public string? Init { get; init; }

    /// <summary>Evaluator of the cumulative ablations, or null when none were run.</summary>
    public string? Evaluator { get; init; }

    /// <summary>Cumulative ablations evaluated by this run (the rest were already stored).</summary>
    public int Evaluated { get; init; }

    public required IReadOnlyList<CorrelationLayer> Layers { get; init; }

    public required ImportanceReport Importance { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>What the damage is: the accuracy drop, or another impact measure (loss of agreement, KL, drift).</summary>
    public ImpactMeasure Impact { get; init; } = ImpactMeasure.Accuracy;

    /// <summary>How reports name the damage.</summary>
    public string DamageName => Impact switch
    {
        ImpactMeasure.Accuracy => "accuracy drop",
        ImpactMeasure.Agreement => "agreement loss",
        ImpactMeasure.Kl => "KL(intact ‖ ablated)",
        _ => "output drift",
    };

    /// <summary>What to analyse and how.</summary>
    public sealed record Settings
    {
        public required ResultStore Store { get; init; }

        public required OnnxModel Model { get; init; }

        public OnnxModel? Init { get; init; }

        /// <summary>The store's data (checked against it), or null: no activation metrics, no curves.</summary>
        public Dataset? Data { get; init; }

        public string? Layers { get; init; }

        public required InferenceOptions Options { get; init; }

        /// <summary>Fast-path sizes (from the session's memory budget).</summary>
        public FastOptions? Fast { get; init; }

        public bool Curves { get; init; } = true;

        public bool ExactReference { get; init; }

        /// <summary>What the measured damage is (default: the accuracy drop).</summary>
        public ImpactMeasure Impact { get; init; } = ImpactMeasure.Accuracy;

        public int Seeds { get; init; } = 5;

        public IReadOnlyList<string> Notes { get; init; } = [];

        /// <summary>Where stages report how far they are; null: silent.</summary>
        public IProgress<ProgressReport>? Progress { get; init; }

        public CancellationToken Cancellation { get; init; }
    }

    public static CorrelationAnalysis Compute(Settings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var store = s.Store;
        var notes = new List<string>(s.Notes);
        var units = UnitDiscovery.Discover(s.Model, s.Data?.SampleShape);
        var records = store.All();
        var baseline = records.FirstOrDefault(r => r.Key == AblationKey.Baseline)
                       ?? throw new ArgumentException($"{store.Path}: the store has no baseline result, so drops cannot be computed; run `onnx-ablate sweep` into it first");
        var layers = new List<(Layer Layer, UnitDamage Damage, int Measured)>();
        foreach (var layer in LayerChoice.Resolve(units, s.Layers))
        {
            var damage = UnitDamage.FromRecords(baseline, records, layer.Name, layer.UnitCount, Mode, s.Impact);
            int measured = damage.AccuracyDrop.Count(double.IsFinite);
            if (measured == 0) notes.Add($"layer {layer.Name}: no single-unit {Mode} results in the store; skipped");
            else if (measured < layer.UnitCount) notes.Add($"layer {layer.Name}: only {measured} of {layer.UnitCount} units have single-unit {Mode} results; correlations use those");
            if (measured > 0) layers.Add((layer, damage, measured));
        }
        if (layers.Count == 0)
        {
            var modes = records.Where(r => r.Units.Count > 0).Select(r => r.Mode).Distinct().ToList();
            throw new ArgumentException($"{store.Path}: no single-unit {Mode} results for layer(s) {string.Join(", ", LayerChoice.Resolve(units, s.Layers).Select(l => l.Name))}" +
                                        (modes.Count > 0 ? $" (the store holds modes: {string.Join(", ", modes)})" : " (the store holds no ablations)") +
                                        "; run `onnx-ablate sweep MODEL --data SPEC --store STORE` first");
        }
        var weights = layers.Select(l => WeightMetrics.Compute(units, l.Layer, s.Init)).ToList();
        IReadOnlyList<LayerActivationMetrics>? activations = null;
        if (s.Data is { } data)
            activations = ActivationMetrics.Compute(units, layers.Select(l => l.Layer), data, s.Options, new StageProgress(s.Progress, "activations", s.Cancellation).WithTotal(data.Count));
        var predictiveness = new List<IReadOnlyList<PredictivenessResult>>();
        for (int i = 0; i < layers.Count; i++)
            predictiveness.Add(Predictiveness.Compute(MetricsOf(weights[i], activations?[i]), layers[i].Damage));

        var curves = new CumulativeComparison?[layers.Count];
        string? evaluatorName = null;
        int evaluated = 0;
        if (s.Curves && s.Data is not null)
        {
            (evaluatorName, evaluated) = RunCurves(s, units, baseline, layers, weights, activations, curves, notes);
        }
        else if (s.Curves)
            notes.Add("cumulative curves not evaluated: no data");

        var result = new List<CorrelationLayer>();
        for (int i = 0; i < layers.Count; i++)
            result.Add(new CorrelationLayer(layers[i].Layer, layers[i].Damage, layers[i].Measured, weights[i], activations?[i], predictiveness[i], curves[i]));
        return new CorrelationAnalysis
        {
            StorePath = store.Path,
            Model = s.Model.Source,
            DataSpec = store.Metadata.DataText,
            Samples = store.Metadata.Samples,
            Baseline = baseline,
            Init = s.Init?.Source,
            Evaluator = evaluatorName,
            Evaluated = evaluated,
            Layers = result,
            Importance = new ImportanceReport(s.Model.Source, weights, activations, predictiveness.SelectMany(p => p).ToList()),
            Notes = notes,
            Impact = s.Impact,
        };
    }

    private static IEnumerable<MetricValues> MetricsOf(LayerWeightMetrics w, LayerActivationMetrics? a) =>
        a is null ? w.Metrics() : w.Metrics().Concat(a.Metrics());

    private static (string Evaluator, int Evaluated) RunCurves(Settings s, ModelUnits units, AblationRecord baseline,
        List<(Layer Layer, UnitDamage Damage, int Measured)> layers, List<LayerWeightMetrics> weights,
        IReadOnlyList<LayerActivationMetrics>? activations, CumulativeComparison?[] curves, List<string> notes)
    {
        var data = s.Data!;
        var planner = new StudyPlanner(units, ModeSpec.ZeroIn);
        var seeds = Enumerable.Range(1, Math.Max(0, s.Seeds)).ToList();
        var plan = new List<PlannedAblation>();
        var orders = new List<(List<(int Seed, List<string> Keys)> Random, (int[] Order, List<string> Keys)? Impact, List<(MetricValues Metric, int[] Order, List<string> Keys)> Metrics)>();
        for (int i = 0; i < layers.Count; i++)
        {
            var (layer, damage, _) = layers[i];
            List<string> Add(int[] order, string name)
            {
                string study = StudyKey.Cumulative(layer.Name, name).Format();
                var items = planner.Cumulative(layer, order, study).ToList();
                plan.AddRange(items);
                s.Store.RecordOrder(study, order);
                return items.Select(x => x.Key).ToList();
            }
            var random = seeds.Select(seed => (seed, Add(StudyPlanner.RandomOrder(layer.UnitCount, seed), StudyKey.RandomOrder(seed)))).ToList();
            (int[], List<string>)? impact = null;
            if (damage.AccuracyDrop.All(double.IsFinite))
            {
                var order = Impacts.Order(damage.AccuracyDrop.ToArray());
                impact = (order, Add(order, StudyKey.ImpactOrderName));
            }
            else notes.Add($"layer {layer.Name}: not every unit was measured alone, so there is no measured-impact order");
            var metricOrders = new List<(MetricValues, int[], List<string>)>();
            foreach (var m in MetricsOf(weights[i], activations?[i]))
            {
                var finite = m.Values.Where(double.IsFinite).ToList();
                if (finite.Count < m.Values.Count || finite.Distinct().Count() < 2) continue; // NaN or constant: no order
                var order = CumulativeOrder.By(m.Values, m.Direction);
                metricOrders.Add((m, order, Add(order, StudyKey.MetricOrder(m.Name))));
            }
            orders.Add((random, impact, metricOrders));
        }

        IAblationEvaluator evaluator = s.ExactReference
            ? new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, s.Options)
            : new FastEvaluator(units, data, ModeSpec.ZeroIn, s.Options, fast: s.Fast);
        int evaluated;
        using (evaluator)
        {
            var todo = plan.Select(p => p.Key).Distinct(StringComparer.Ordinal).Count(k => !s.Store.Contains(k));
            if (todo > 0 && s.Store.Metadata.Adaptive is { } adaptive)
                throw new ArgumentException($"{s.Store.Path}: the store was made with --adaptive ({adaptive}); correlate evaluates its {todo} curve ablations exactly, which would mix exact and adaptive results in it: correlate a store made without --adaptive, or run it with --no-curves");
            if (todo > 0) CheckBaseline(s.Store, evaluator, data, baseline, notes);
            var runner = new StudyRunner(s.Store, evaluator, data, ModeSpec.ZeroIn.ToString());
            evaluated = runner.Run(plan, new StageProgress(s.Progress, $"cumulative orders ({evaluator.Name})", s.Cancellation));
            if (evaluator is FastEvaluator fast) notes.AddRange(fast.Notes);
        }

        var analysis = new StudyAnalysis(s.Store.All(), s.Store.Metadata.Samples);
        double Area(List<string> keys, int n) => StudyAnalysis.Area(analysis.Curve([keys], n));
        for (int i = 0; i < layers.Count; i++)
        {
            int n = layers[i].Layer.UnitCount;
            var (random, impact, metrics) = orders[i];
            curves[i] = new CumulativeComparison(
                random.Select(r => r.Seed).ToList(),
                random.Select(r => Area(r.Keys, n)).ToList(),
                impact is { } im ? new OrderArea("impact", null, im.Order, Area(im.Keys, n)) : null,
                metrics.Select(m => new OrderArea(m.Metric.Name, m.Metric.Direction, m.Order, Area(m.Keys, n))).ToList());
        }
        return (evaluator.Name, evaluated);
    }

    /// <summary>Before adding results to the store, proves the data and model give its baseline predictions.</summary>
    private static void CheckBaseline(ResultStore store, IAblationEvaluator evaluator, Dataset data, AblationRecord baseline, List<string> notes)
    {
        EvaluationResult? result = null;
        evaluator.Evaluate([Array.Empty<UnitSet>()], (_, r) => result = r);
        var bits = AblationRecord.PackBits(result!.Predicted, data.Labels);
        int differ = 0;
        for (int i = 0; i < data.Count; i++)
            if (((bits[i >> 3] >> (i & 7)) & 1) != (baseline.IsCorrect(i) ? 1 : 0)) differ++;
        if (differ == 0) return;
        string what = $"the model on '{data.Spec}' gets {differ} of {data.Count} samples right/wrong differently from the store's baseline " +
                      string.Create(System.Globalization.CultureInfo.InvariantCulture, $"(accuracy {result.Accuracy * 100:F2}% now, {baseline.Accuracy * 100:F2}% stored)");
        if (differ > Math.Max(1, data.Count / 1000))
            throw new ArgumentException($"{store.Path}: {what}: not the data or preprocessing the store was made with; refusing to add results to it (pass the store's data with --data)");
        notes.Add(what + ": within numerical noise, continuing");
    }
}
