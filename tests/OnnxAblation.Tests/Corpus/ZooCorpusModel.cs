using System.Security.Cryptography;
using System.Text.Json;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;

namespace OnnxAblation.Tests.Corpus;

/// <summary>
/// One corpus model of Oracle/corpus_zoo.json, loaded once for all of its cases: the file (checked against the
/// oracle's SHA-256), the evaluation images with the model family's preprocessing, and the engine's unit discovery
/// (or the error it raised). Only the most recently used model is kept: VGG-19 alone holds 548 MB of weights.
/// </summary>
internal sealed class ZooCorpusModel
{
    private static readonly Lock Gate = new();
    private static ZooCorpusModel? _current;
    private readonly Lazy<ModelUnits> _units;

    private ZooCorpusModel(string name, JsonElement entry, OnnxModel model, Dataset data)
    {
        Name = name;
        Entry = entry;
        Model = model;
        Data = data;
        _units = new Lazy<ModelUnits>(() => UnitDiscovery.Discover(Model, Data.SampleShape), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Name { get; }

    /// <summary>The model's entry in the oracle file.</summary>
    public JsonElement Entry { get; }

    public OnnxModel Model { get; }

    public Dataset Data { get; }

    /// <summary>The engine's layers and units (discovery errors surface in each case that needs them).</summary>
    public ModelUnits Units => _units.Value;

    public static string OraclePath => Path.Combine(TestPaths.Oracle, "corpus_zoo.json");

    public static JsonElement Oracle { get; } = LoadOracle();

    public static JsonElement EntryFor(string name) =>
        Oracle.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    /// <summary>The model named <paramref name="name"/>; fails the test (never skips) when its file is missing or stale.</summary>
    public static ZooCorpusModel Get(string name)
    {
        lock (Gate)
        {
            if (_current?.Name == name) return _current;
            _current = null; // let the previous model's weights go before loading the next
            _current = Load(name);
            return _current;
        }
    }

    private static ZooCorpusModel Load(string name)
    {
        var entry = EntryFor(name);
        string file = entry.GetProperty("file").GetString()!;
        string build = entry.GetProperty("build").GetString()!;
        string path = Resolve(file);
        Assert.True(File.Exists(path), $"{name}: corpus model {path} is missing; build it with `{build}`");
        string sha;
        using (var stream = File.OpenRead(path)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        string want = entry.GetProperty("sha256").GetString()!;
        Assert.True(sha == want,
            $"{name}: corpus is stale: {path} has SHA-256 {sha}, the oracle was made from {want}; rerun `{build}` " +
            $"(and `/usr/bin/python3 tools/corpus_oracle_zoo.py {name}` if tools/corpus_zoo.py changed)");
        string inputs = Path.Combine(TestPaths.Root, Oracle.GetProperty("inputs").GetString()!);
        string labels = Path.Combine(TestPaths.Root, Oracle.GetProperty("labels").GetString()!);
        string options = entry.GetProperty("data_options").GetString()!;
        var data = DataSets.Load($"npy:{inputs},{labels}" + (options.Length > 0 ? "?" + options : ""));
        Assert.Equal(entry.GetProperty("n_samples").GetInt32(), data.Count);
        Assert.Equal(entry.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()), data.Labels);
        return new ZooCorpusModel(name, entry, OnnxModel.Load(path), data);
    }

    /// <summary>A repository-relative path, or <c>nuget:PACKAGE/VERSION/PATH</c> in the NuGet package folder.</summary>
    private static string Resolve(string file)
    {
        const string nuget = "nuget:";
        if (!file.StartsWith(nuget, StringComparison.Ordinal)) return Path.Combine(TestPaths.Root, file);
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(root, file[nuget.Length..]);
    }

    private static JsonElement LoadOracle()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(OraclePath));
        return doc.RootElement.Clone();
    }
}
