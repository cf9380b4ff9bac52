using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Tests.Store;

/// <summary>Metadata and records made up for store tests.</summary>
internal static class StoreTestData
{
    public const string Sha = "3f1c0ffee0000000000000000000000000000000000000000000000000000abc";

    public static StoreMetadata Meta(int samples = 20, int classes = 3, string sha = Sha, string spec = "npy:/data/x.npy,/data/y.npy",
        int[]? labels = null, IReadOnlyList<string>? names = null) => new()
    {
        ModelSha256 = sha,
        ModelPath = "/models/mlp.onnx",
        DataSpec = spec,
        Samples = samples,
        Classes = classes,
        ClassNames = names ?? Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(),
        Labels = labels ?? Enumerable.Range(0, samples).Select(i => i % classes).ToArray(),
        Seed = 7,
        Extra = new Dictionary<string, string> { ["engine"] = "test" },
    };

    /// <summary>A deterministic pseudo-random record for <paramref name="seed"/>.</summary>
    public static AblationRecord Record(StoreMetadata meta, string key, int seed, string study = "single", IReadOnlyList<UnitSet>? units = null)
    {
        var rng = new Random(seed);
        var correct = new byte[(meta.Samples + 7) / 8];
        rng.NextBytes(correct);
        if (meta.Samples % 8 != 0) correct[^1] &= (byte)((1 << (meta.Samples % 8)) - 1);
        return new AblationRecord
        {
            Key = key,
            Study = study,
            Units = units ?? [new UnitSet("layer" + (seed % 3), [seed % 17, seed % 17 + 3])],
            Mode = "zero-in",
            Accuracy = rng.NextDouble(),
            ClassAccuracy = Enumerable.Range(0, meta.Classes).Select(_ => rng.NextDouble()).ToArray(),
            MeanLoss = rng.NextDouble() * 3,
            ClassMeanLoss = Enumerable.Range(0, meta.Classes).Select(_ => rng.NextDouble() * 3).ToArray(),
            Correct = correct,
            NonFinite = rng.Next(3),
            Seconds = rng.NextDouble(),
        };
    }

    public static AblationRecord Baseline(StoreMetadata meta, int seed = 1) =>
        Record(meta, "baseline", seed, "baseline", []) with { Mode = "none" };

    /// <summary>Asserts two records hold bit-identical fields (NaN = NaN).</summary>
    public static void AssertSame(AblationRecord expected, AblationRecord actual)
    {
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Study, actual.Study);
        Assert.Equal(expected.Mode, actual.Mode);
        Assert.Equal(expected.Units.Count, actual.Units.Count);
        for (int i = 0; i < expected.Units.Count; i++)
        {
            Assert.Equal(expected.Units[i].Layer, actual.Units[i].Layer);
            Assert.Equal(expected.Units[i].Units, actual.Units[i].Units);
        }
        AssertBits(expected.Accuracy, actual.Accuracy);
        AssertBits(expected.MeanLoss, actual.MeanLoss);
        AssertBits(expected.Seconds, actual.Seconds);
        Assert.Equal(expected.ClassAccuracy.Length, actual.ClassAccuracy.Length);
        for (int i = 0; i < expected.ClassAccuracy.Length; i++) AssertBits(expected.ClassAccuracy[i], actual.ClassAccuracy[i]);
        Assert.Equal(expected.ClassMeanLoss.Length, actual.ClassMeanLoss.Length);
        for (int i = 0; i < expected.ClassMeanLoss.Length; i++) AssertBits(expected.ClassMeanLoss[i], actual.ClassMeanLoss[i]);
        Assert.True(expected.Correct.AsSpan().SequenceEqual(actual.Correct), $"{expected.Key}: correctness bits differ");
        Assert.Equal(expected.NonFinite, actual.NonFinite);
        Assert.Equal(expected.Samples, actual.Samples);
        Assert.Equal(expected.Interval, actual.Interval);
    }

    private static void AssertBits(double expected, double actual)
    {
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"expected NaN, got {actual}");
        else Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
    }
}
