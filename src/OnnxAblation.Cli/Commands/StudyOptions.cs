using System.CommandLine;
using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Requests;

namespace OnnxAblation.Cli.Commands;

/// <summary>The options of commands that run studies into a store.</summary>
internal sealed class StudyOptions
{
    public CommonOptions Common { get; } = new();

    public Option<string> Mode { get; } = new("--mode") { Description = ModeSpec.Choices + " (default zero-in)", DefaultValueFactory = _ => "zero-in" };

    public Option<int> Seed { get; } = new("--seed") { Description = "seed for noise and random orders", DefaultValueFactory = _ => 1 };

    public Option<string?> Store { get; } = new("--store") { Description = "SQLite result store (default: MODEL-STEM.study.db); rerunning resumes" };

    public Option<string?> Json { get; } = new("--json") { Description = "export the results as JSON" };

    public Option<string?> Csv { get; } = new("--csv") { Description = "export the results as CSV" };

    public Option<string?> Shard { get; } = new("--shard") { Description = "k/N: run only shard k (0-based) of N; SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX pick it when unset" };

    public Option<int?> ShardCount { get; } = new("--shard-count") { Description = "N for Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX gives k)" };

    public Option<bool> ExactReference { get; } = new("--exact-reference") { Description = "evaluate every ablation the slow, obvious way (rewrite, new session, full pass) instead of the fast path" };

    public Option<int?> AblationsPerRun { get; } = new("--ablations-per-run") { Description = "fast path: ablations evaluated together in one ONNX Runtime run (default: chosen per layer)" };

    public Option<bool> NoLinearUpdate { get; } = new("--no-linear-update") { Description = "fast path: mask the unit tensor and recompute the layer's linear first consumer, instead of subtracting the ablated units' contribution from its intact output" };

    public Option<string> Impact { get; } = new("--impact") { Description = "what orders units by measured impact: accuracy (drop; default), agreement (with the intact model), kl, drift (any output; the default for models whose output is not class scores)" };

    public Option<bool> RequireFast { get; } = new("--require-fast") { Description = "fail (exit 2, results so far stored) instead of evaluating an ablation on the reference path when the fast path cannot" };

    public Option<string?> Adaptive { get; } = new("--adaptive") { Description = "EPS: evaluate each ablation on growing slices of the data (256 samples, doubling, seeded order) until the 95% interval of its accuracy change is within ±EPS points, or all samples; default: exact on all samples" };

    public void AddTo(Command c)
    {
        Common.AddModelAndData(c);
        foreach (var o in new Option[] { Mode, Seed, Store, Json, Csv, Shard, ShardCount, ExactReference, RequireFast, AblationsPerRun, NoLinearUpdate, Impact, Adaptive }) c.Options.Add(o);
    }

    /// <summary>The session (model, data, inference options) of the command line.</summary>
    public AblationSession Session(ParseResult r) => AblationSession.Open(Common.LoadModel(r), Common.LoadData(r)!, Common.Session(r));

    /// <summary>Fills a study request's settings from the command line.</summary>
    public T Settings<T>(ParseResult r, T request, AblationSession session)
        where T : StudySettings
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(session);
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        return request with
        {
            Mode = ModeSpec.Parse(r.GetValue(Mode)!, seed: r.GetValue(Seed)),
            Seed = r.GetValue(Seed),
            StorePath = r.GetValue(Store) ?? Path.ChangeExtension(Path.GetFileName(session.Model.Source), ".study.db"),
            ExactReference = r.GetValue(ExactReference),
            Fast = new FastOptions { AblationsPerRun = r.GetValue(AblationsPerRun), RequireFast = r.GetValue(RequireFast), LinearUpdate = !r.GetValue(NoLinearUpdate) },
            Shard = ShardSpec.FromEnvironment(r.GetValue(Shard) is { } s ? ShardSpec.Parse(s) : null, r.GetValue(ShardCount), env),
            Impact = r.GetValue(Impact) is { } text ? Impacts.Parse(text) : null,
            Adaptive = r.GetValue(Adaptive) is { } eps ? AdaptiveSampling.Parse(eps, r.GetValue(Seed)) : null,
        };
    }

    public void Export(ParseResult r, ResultStore store)
    {
        if (r.GetValue(Json) is { } j) ResultExport.ToJson(store, j);
        if (r.GetValue(Csv) is { } c) ResultExport.ToCsv(store, c);
    }
}
