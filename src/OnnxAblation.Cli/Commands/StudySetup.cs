using System.Globalization;
using System.Reflection;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// A <see cref="StudyContext"/> for a model and data already loaded, with zero-in ablations into a given store: for
/// commands that run studies on several models (the store metadata is written as <c>study</c> writes it, so the stores
/// are interchangeable).
/// </summary>
internal static class StudySetup
{
    public static StudyContext Open(OnnxModel model, Dataset data, int? limit, InferenceOptions options, string storePath, bool exactReference)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var mode = ModeSpec.ZeroIn;
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var meta = new StoreMetadata
        {
            ModelSha256 = model.Sha256(),
            ModelPath = model.Source,
            DataSpec = data.Spec + (limit is int n ? $" (first {n})" : ""),
            Samples = data.Count,
            Classes = data.ClassCount,
            ClassNames = data.ClassNames,
            Labels = data.Labels,
            Seed = 1,
            Extra = new Dictionary<string, string>
            {
                ["engine"] = typeof(StudySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?",
                ["onnxruntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "?",
                ["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture),
            },
        };
        var store = ResultStore.Open(storePath, meta);
        IAblationEvaluator evaluator = exactReference
            ? new ReferenceEvaluator(units, data, mode, options)
            : new FastEvaluator(units, data, mode, options);
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
            Runner = new StudyRunner(store, evaluator, data, mode.ToString()),
        };
    }
}
