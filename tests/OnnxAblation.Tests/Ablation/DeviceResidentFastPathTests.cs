using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>
/// The device-resident fast path (I/O binding; what <c>--device cuda</c> uses) run in CPU memory, against the host
/// fast path and the reference path: the same predictions and losses, with and without the prefix cache. This checks
/// the binding logic; it does not run on a GPU.
/// </summary>
public class DeviceResidentFastPathTests
{
    private static Dataset RandomData(int seed, int n)
    {
        var rng = new Random(seed);
        int size = RandomCnn.SampleShape.Aggregate(1, (a, b) => a * b);
        return new Dataset(Enumerable.Range(0, n * size).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(RandomCnn.Classes)).ToArray(), RandomCnn.SampleShape, ["a", "b", "c"], "<random>");
    }

    private static List<IReadOnlyList<UnitSet>> SingleUnits(ModelUnits units)
    {
        var ablations = new List<IReadOnlyList<UnitSet>>();
        foreach (var l in units.HiddenLayers)
            for (int u = 0; u < l.UnitCount; u++) ablations.Add([new UnitSet(l.Name, [u])]);
        return ablations;
    }

    [Theory]
    [InlineData(3, 0L)]
    [InlineData(8, 0L)]
    [InlineData(21, 512L * 1024 * 1024)]
    [InlineData(40, 512L * 1024 * 1024)]
    public void Resident_and_host_fast_paths_agree_with_the_reference_over_repeated_calls(int seed, long cacheBytes)
    {
        var model = RandomCnn.Build(seed);
        var data = RandomData(seed, 37); // odd count: a short last chunk, a second scratch size
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var ablations = SingleUnits(units);
        var options = new InferenceOptions { Threads = 1 };
        FastOptions Fast(bool resident) => new() { AblationsPerRun = 3, RowsPerRun = 48, PrefixCacheBytes = cacheBytes, DeviceResident = resident };
        using var resident = new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: Fast(true));
        using var host = new FastEvaluator(units, data, ModeSpec.ZeroIn, options, fast: Fast(false));
        using var reference = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, options);
        var expected = new EvaluationResult[ablations.Count];
        reference.Evaluate(ablations, (i, r) => expected[i] = r);
        var fromHost = new EvaluationResult[ablations.Count];
        host.Evaluate(ablations, (i, r) => fromHost[i] = r);
        // three calls: no cache, cache filled (second call), cache read (third)
        for (int call = 0; call < 3; call++)
        {
            var got = new EvaluationResult[ablations.Count];
            resident.Evaluate(ablations, (i, r) => got[i] = r);
            Assert.Empty(resident.Notes);
            for (int i = 0; i < ablations.Count; i++)
            {
                Assert.True(expected[i].Predicted.SequenceEqual(got[i].Predicted), $"seed {seed}, call {call}, {ablations[i][0]}: predictions differ from the reference");
                Assert.Equal(fromHost[i].MeanLoss, got[i].MeanLoss, 5);
                Assert.Equal(expected[i].MeanLoss, got[i].MeanLoss, 4);
            }
        }
        Assert.Equal(3 * ablations.Count, resident.FastCount);
    }
}
