using System.Text.Json;
using OnnxAblation.Tests.Data;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// Resource limits are honoured: <c>--memory</c> (parsed, refused when too small, and a budget too small for the
/// prefix cache streams instead of failing, with the same results), <c>--batch-size</c> (larger than the data is fine;
/// the results do not depend on it) and <c>--threads</c>; an address-space limit (<c>ulimit -v</c>) ends with a clear
/// error and exit code ≠ 0, not a crash.
/// </summary>
public class ResourceLimitsTests
{
    private static string Vgg => TestPaths.Model("fmnist-vgg/model-folded.onnx");

    private const string Fashion = "idx:/usr/share/datasets/fashion-mnist/t10k";

    [Theory]
    [InlineData("2G", 2L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("768MiB", 768L << 20)]
    public void Memory_sizes_parse(string text, long bytes) => Assert.Equal(bytes, MemoryBudget.Parse(text).Bytes);

    [Theory]
    [InlineData("lots", "expected a size such as 2G")]
    [InlineData("-1G", "expected a size such as 2G")]
    [InlineData("10K", "too small")]
    public void Bad_memory_sizes_are_refused_with_what_to_give(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => MemoryBudget.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_budget_a_large_batch_size_one_thread_and_the_reference_path_give_the_same_results()
    {
        using var dir = new TempDir();
        const string layers = "/conv2/Conv,/fc1/Gemm";
        List<(string Result, double Loss)> Sweep(string name, params string[] extra)
        {
            string store = dir.File(name + ".db"), json = dir.File(name + ".json");
            var (code, _, err) = CliProcess.Run(["sweep", Vgg, "--data", Fashion, "--limit", "300", "--layers", layers, "--store", store, "--json", json, .. extra]);
            Assert.True(code == 0, err);
            if (name == "small") Assert.Contains("memory budget 64 MB (--memory 64M)", err, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            // the results, without what legitimately differs (timings, paths; the mean loss in its last float32 bits, where the
            // fast path's linear update subtracts a contribution instead of recomputing the consumer)
            // (stored in the order they finished, which differs with run sizes and workers)
            return doc.RootElement.GetProperty("ablations").EnumerateArray()
                .Select(a => ($"{a.GetProperty("layer").GetString()} {a.GetProperty("units")} {a.GetProperty("accuracy").GetDouble():R} {a.GetProperty("class_accuracy")}", a.GetProperty("mean_loss").GetDouble()))
                .OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
        }

        void Same(List<(string Result, double Loss)> expected, List<(string Result, double Loss)> actual)
        {
            Assert.Equal(expected.Select(x => x.Result), actual.Select(x => x.Result));
            for (int i = 0; i < expected.Count; i++)
                Assert.True(Math.Abs(expected[i].Loss - actual[i].Loss) <= 1e-6 * Math.Abs(expected[i].Loss), $"{expected[i].Result}: mean loss {expected[i].Loss:R} vs {actual[i].Loss:R}");
        }

        var roomy = Sweep("roomy", "--memory", "4G");
        // 64 MB: 16 MB for ONNX Runtime's tensors and 16 MB for the prefix cache (streaming itself against the cache:
        // FastPathEqualityTests); the reference path with small runs
        Same(roomy, Sweep("small", "--memory", "64M"));
        Same(roomy, Sweep("batch", "--memory", "4G", "--batch-size", "7000", "--threads", "1"));
        Same(roomy, Sweep("reference", "--memory", "64M", "--batch-size", "25", "--exact-reference"));
    }

    [Fact]
    public void Under_an_address_space_limit_the_budget_fits_what_is_left_and_too_little_is_a_clear_error_not_an_abort()
    {
        using var dir = new TempDir();
        (int Code, string Err) Cli(string limit, string store)
        {
            // a clean environment: the test host's own variables must not change what the runtime maps
            string line = $"ulimit -v {limit}; exec env -i PATH=\"$PATH\" HOME=\"$HOME\" dotnet '{CliProcess.Dll}' sweep '{Vgg}' --data {Fashion} --limit 2000 --layers /conv1/Conv --store '{dir.File(store)}'";
            var (code, _, err) = Shell.Run(Path.GetTempPath(), null, TimeSpan.FromMinutes(3), "/bin/bash", "-c", line);
            return (code, err);
        }

        // 8 GB: the .NET runtime maps most of it at start-up; the default budget is half of what is left, and the study runs
        var (code, err) = Cli("8388608", "fits.db");
        Assert.True(code == 0, err);
        Assert.Contains("of the address space left under ulimit -v", err, StringComparison.Ordinal);
        // 3 GB: too little is left to make threads and tensors (without the check: "Out of memory." and SIGABRT, exit 134)
        (code, err) = Cli("3145728", "over.db");
        Assert.Equal(3, code);
        Assert.Contains("error: out of memory: the address-space limit (ulimit -v) is 3072 MB", err, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
