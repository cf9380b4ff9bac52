using System.Security.Cryptography;
using System.Text.Json;
using OnnxAblation.Data;

namespace OnnxAblation.Tests.Corpus;

/// <summary>
/// The torchvision corpus (tools/corpus_torchvision.py, built into .cache/corpus/torchvision, not committed) and its
/// committed PyTorch oracle (tools/corpus_oracle_torchvision.py → Oracle/corpus_torchvision.json).
/// </summary>
internal static class TorchvisionCorpus
{
    /// <summary>Overrides where the corpus files are.</summary>
    public const string DirectoryVariable = "ONNX_ABLATION_CORPUS_TORCHVISION";

    public const string BuildCommand = "bash tools/setup.sh corpus";

    public const string OracleCommand = "/usr/bin/python3 tools/corpus_oracle_torchvision.py";

    public static string OracleFile => Path.Combine(TestPaths.Oracle, "corpus_torchvision.json");

    public static string Directory => Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } dir
        ? dir
        : Path.Combine(TestPaths.Root, ".cache", "corpus", "torchvision");

    public static JsonDocument LoadOracle() => JsonDocument.Parse(File.ReadAllText(OracleFile));

    /// <summary>Every oracle entry (one per architecture × weight variant).</summary>
    public static IEnumerable<JsonElement> Entries(JsonElement root) => root.GetProperty("models").EnumerateArray();

    public static string EntryName(JsonElement entry) =>
        $"{entry.GetProperty("arch").GetString()}-{entry.GetProperty("variant").GetString()}";

    /// <summary>The entry that lists <paramref name="file"/> and that file's record (file, export, sha256).</summary>
    public static (JsonElement Entry, JsonElement File) Find(JsonElement root, string file)
    {
        foreach (var entry in Entries(root))
            foreach (var f in entry.GetProperty("files").EnumerateArray())
                if (f.GetProperty("file").GetString() == file) return (entry, f);
        throw new InvalidOperationException($"{OracleFile} lists no corpus file {file}");
    }

    /// <summary>The path of a corpus file, failing (never skipping) when it is missing or differs from what the oracle saw.</summary>
    public static string RequireFile(JsonElement fileRecord)
    {
        string name = fileRecord.GetProperty("file").GetString()!;
        string path = Path.Combine(Directory, name);
        if (!File.Exists(path))
            Assert.Fail($"torchvision corpus file {path} is missing: build the corpus with `{BuildCommand}` (or point {DirectoryVariable} at it)");
        string want = fileRecord.GetProperty("sha256").GetString()!;
        string have = Sha256(path);
        if (!string.Equals(want, have, StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"corpus is stale, rerun `{BuildCommand}` (and, if tools/corpus_torchvision.py changed on purpose, `{OracleCommand}`): {name} has SHA-256 {have}, the oracle was computed on {want}");
        return path;
    }

    /// <summary>The oracle's evaluation data, loaded through the engine's own data spec.</summary>
    public static Dataset LoadData(JsonElement root)
    {
        var data = root.GetProperty("data");
        string x = Path.Combine(TestPaths.Root, data.GetProperty("x").GetString()!);
        string y = Path.Combine(TestPaths.Root, data.GetProperty("y").GetString()!);
        var set = DataSets.Load($"npy:{x},{y}?scale={data.GetProperty("scale").GetString()}");
        Assert.Equal(root.GetProperty("n_samples").GetInt32(), set.Count);
        Assert.Equal(root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()), set.Labels);
        Assert.Equal([3, 32, 32], set.SampleShape);
        return set;
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
