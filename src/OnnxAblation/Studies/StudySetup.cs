using OnnxAblation.Ablation;
using System.Globalization;
using System.Reflection;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Studies;

/// <summary>
/// A <see cref="StudyContext"/> for a model and data already loaded, with zero-in ablations into a given store: for
/// commands that run studies on several models (the store metadata is written as <c>study</c> writes it, so the stores
/// are interchangeable).
/// </summary>
internal static class StudySetup
{
    /// <summary>Zero-in, seed 1, default fast-path sizes, no shard: what multi-model commands need.</summary>
    public static StudyContext Open(OnnxModel model, Dataset data, int? limit, InferenceOptions options, string storePath, bool exactReference) =>
        Open(model, data, limit, options, ModeSpec.ZeroIn, seed: 1, storePath, exactReference, new FastOptions(), shard: null);

    public static StudyContext Open(OnnxModel model, Dataset data, int? limit, InferenceOptions options, ModeSpec mode, int seed,
        string storePath, bool exactReference, FastOptions fast, ShardSpec? shard, AdaptiveSampling? adaptive = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(mode);
        data = ClassScores.Fit(model, data, allowFeatures: true, options);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        if (adaptive is not null)
        {
            adaptive.Validate();
            if (OutputKinds.Of(model) == OutputKind.Features)
                throw new ArgumentException($"--adaptive stops on the interval of the accuracy change, but {OutputKinds.Describe(model)}; run without --adaptive");
        }
        UnitMeans? means = mode.Mode.NeedsUnitMeans ? UnitMeans.Compute(units, units.Layers.Concat(units.HeadLayers), data, options) : null;
        var meta = new StoreMetadata
        {
            ModelSha256 = model.Sha256(),
            ModelPath = model.Source,
            DataSpec = data.Spec,
            DataLimit = limit,
            Samples = data.Count,
            Classes = data.ClassCount,
            ClassNames = data.ClassNames,
            Labels = data.Labels,
            Seed = seed,
            Adaptive = adaptive?.Identity,
            Extra = new Dictionary<string, string>
            {
                ["engine"] = typeof(StudySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?",
                ["onnxruntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "?",
                ["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture),
                ["labels"] = data.IsLabelled ? "given" : "none: the intact model's predictions (accuracy = agreement with the intact model)",
                ["output"] = OutputKinds.Of(model) == OutputKind.Features ? "features (no accuracy; effects as drift)" : "class scores",
            },
        };
        var store = ResultStore.Open(storePath, meta);
        IAblationEvaluator Make(Dataset d) => exactReference
            ? new ReferenceEvaluator(units, d, mode, options, means)
            : new FastEvaluator(units, d, mode, options, means, fast);
        var evaluator = Make(data);
        var sampling = adaptive is null ? null : new AdaptiveEvaluator(adaptive, data, evaluator, Make);
        return new StudyContext
        {
            Model = model,
            Data = data,
            Units = units,
            Mode = mode,
            Options = options,
            Planner = new StudyPlanner(units, mode),
            Store = store,
            Evaluator = evaluator,
            Runner = new StudyRunner(store, evaluator, data, mode.ToString(), shard) { Cost = exactReference || sampling is not null ? null : FastWork(units, data), Adaptive = sampling },
            Shard = shard,
            Adaptive = sampling,
        };
    }

    /// <summary>
    /// Work of one ablation on the fast path, for ETAs: the multiply-adds after its earliest layer's cut (the baseline: a
    /// full pass), plus 2% of a full pass for what every ablation costs whatever its suffix (mask, copy, commit). Null
    /// when the multiply-adds cannot be counted (progress then counts ablations).
    /// </summary>
    private static Func<PlannedAblation, double>? FastWork(ModelUnits units, Dataset data)
    {
        FlopCounter flops;
        try
        {
            flops = new FlopCounter(units, data.SampleShape);
        }
        catch (AblationException)
        {
            return null;
        }
        double total = flops.TotalMacs;
        if (total <= 0) return null;
        var suffix = new Dictionary<string, double>(StringComparer.Ordinal);
        double After(string layer) => suffix.TryGetValue(layer, out double v) ? v : suffix[layer] = flops.SuffixMacs(units[layer]);
        return p => p.Sets.Count == 0 ? total : p.Sets.Max(s => After(s.Layer)) + 0.02 * total;
    }
}
