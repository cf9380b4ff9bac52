using System.Globalization;
using System.Text.RegularExpressions;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Store;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Report;

/// <summary><c>onnx-ablate report</c>: the page from real stores (offline, every section, numbers equal to the store's) and clear errors for bad input.</summary>
[Collection(ReportCollection.Name)]
public partial class ReportCommandTests(ReportedStudy study)
{
    [Fact]
    public void Writes_an_offline_page_with_every_section_whose_heatmap_numbers_equal_the_store()
    {
        Assert.Contains("report: " + study.Index, study.ReportOutput, StringComparison.Ordinal);
        string html = File.ReadAllText(study.Index);
        // Offline: every link is an anchor or a plot beside the page, and every plot exists.
        var refs = Reference().Matches(html).Select(m => m.Groups[2].Value).ToList();
        Assert.NotEmpty(refs);
        foreach (var r in refs)
        {
            Assert.True(r.StartsWith('#') || r.StartsWith("plots/", StringComparison.Ordinal), $"external or unexpected reference '{r}'");
            if (!r.StartsWith('#')) Assert.True(new FileInfo(Path.Combine(study.OutDir, r)).Length > 0, r);
        }
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        foreach (var id in new[] { "s0-summary", "s0-heatmaps", "s0-units", "s0-pairs", "s0-cumulative", "s0-class-top", "s0-importance", "s0-recovery", "s0-skipped", "s1-summary", "comparison" })
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        // correlate's metric orders are drawn with the random band and the impact order.
        string text = System.Net.WebUtility.HtmlDecode(html);
        Assert.Contains("most damaging first (measured impact)", text, StringComparison.Ordinal);
        Assert.Contains("random orders (mean ± sd of 3 seeds)", text, StringComparison.Ordinal);

        using var store = ResultStore.OpenExisting(study.StudyStore);
        var baseline = store.Get("baseline")!;
        Assert.Contains($"data-v=\"{baseline.Accuracy.ToString("R", CultureInfo.InvariantCulture)}\">{baseline.Accuracy * 100:F2}%", html, StringComparison.Ordinal);
        // Every cell of both heatmaps of the study carries the stored change of its unit and class, exactly.
        int cells = 0;
        foreach (Match m in HeatCell().Matches(html[..html.IndexOf("id=\"s1-title\"", StringComparison.Ordinal)]))
        {
            var table = m.Groups["title"].Value.StartsWith("/fc1/MatMul", StringComparison.Ordinal) ? "/fc1/MatMul" : "/fc2/MatMul";
            int unit = int.Parse(m.Groups["unit"].Value, CultureInfo.InvariantCulture), cls = int.Parse(m.Groups["cls"].Value, CultureInfo.InvariantCulture);
            var r = store.Get($"zero-in|{table}:{unit}")!;
            double expected = cls < 0 ? r.Accuracy - baseline.Accuracy : r.ClassAccuracy[cls] - baseline.ClassAccuracy[cls];
            Assert.Equal(expected, double.Parse(m.Groups["delta"].Value, CultureInfo.InvariantCulture));
            cells++;
        }
        Assert.Equal((20 + 10) * 11, cells);
    }

    [Fact]
    public void Cumulative_areas_equal_those_correlate_computed_for_every_order()
    {
        string html = File.ReadAllText(study.Index);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(study.CorrelateJson));
        var layers = doc.RootElement.GetProperty("cumulative").EnumerateArray().ToList();
        Assert.Equal(2, layers.Count);
        int compared = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var rows = AreaRow().Matches(Section(html, $"id=\"s0-cumulative-table-{i}\"")).ToDictionary(
                m => System.Net.WebUtility.HtmlDecode(m.Groups["name"].Value), m => double.Parse(m.Groups["area"].Value, CultureInfo.InvariantCulture));
            foreach (var o in layers[i].GetProperty("orders").EnumerateArray())
            {
                Assert.Equal(o.GetProperty("auc").GetDouble(), rows["metric-" + o.GetProperty("metric").GetString()]);
                compared++;
            }
            Assert.Equal(layers[i].GetProperty("impact").GetProperty("auc").GetDouble(), rows["most damaging first (measured impact)"]);
            // The random band's area is the area of the mean curve: the mean of the seeds' areas up to rounding.
            Assert.Equal(layers[i].GetProperty("random").GetProperty("auc_mean").GetDouble(), rows["random orders (mean ± sd of 3 seeds)"], 12);
        }
        Assert.True(compared >= 20, $"{compared} metric orders compared");
    }

    private static string Section(string html, string start)
    {
        int a = html.IndexOf(start, StringComparison.Ordinal);
        Assert.True(a >= 0, start);
        return html[a..html.IndexOf("</table>", a, StringComparison.Ordinal)];
    }

    [Fact]
    public void A_missing_store_fails_with_its_path()
    {
        string missing = Path.Combine(TestPaths.NewTempDirectory(), "nothing.db");
        var (code, _, stderr) = CliProcess.Run("report", missing, "--out", Path.Combine(TestPaths.NewTempDirectory(), "r"));
        Assert.NotEqual(0, code);
        Assert.Contains("result store not found", stderr, StringComparison.Ordinal);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_store_fails_saying_what_to_run()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "empty.db");
        using (ResultStore.Open(path, StoreTestData.Meta()))
        {
        }
        var (code, _, stderr) = CliProcess.Run("report", path, "--out", Path.Combine(TestPaths.NewTempDirectory(), "r"));
        Assert.NotEqual(0, code);
        Assert.Contains("holds no results yet", stderr, StringComparison.Ordinal);
        Assert.Contains("onnx-ablate study", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_without_baseline_fails_saying_so()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "nobase.db");
        var meta = StoreTestData.Meta();
        using (var s = ResultStore.Open(path, meta))
            s.Add(StoreTestData.Record(meta, "zero-in|fc1:0", 3, units: [new UnitSet("fc1", [0])]));
        string outDir = Path.Combine(TestPaths.NewTempDirectory(), "r");
        var (code, _, stderr) = CliProcess.Run("report", path, "--out", outDir);
        Assert.NotEqual(0, code);
        Assert.Contains("no baseline", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDir, "index.html")));
    }

    [GeneratedRegex("<tr><td>(?<name>[^<]*)</td><td class=\"num\" data-v=\"(?<area>[^\"]*)\">")]
    private static partial Regex AreaRow();

    [GeneratedRegex("(src|href)=\"([^\"]*)\"")]
    private static partial Regex Reference();

    [GeneratedRegex("<td [^>]*title=\"(?<title>[^\"]*)\" data-unit=\"(?<unit>[0-9]+)\" data-class=\"(?<cls>-?[0-9]+)\" data-delta=\"(?<delta>[^\"]*)\"")]
    private static partial Regex HeatCell();
}
