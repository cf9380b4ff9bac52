using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Report;

/// <summary>
/// The report in a real browser: Debian's headless Chromium driven by Playwright (its driver ships in the NuGet package;
/// no browser download). Fails, not skips, where the set-up did not install Chromium.
/// </summary>
[Collection(ReportCollection.Name)]
public class ReportBrowserTests(ReportedStudy study)
{
    /// <summary>Debian's chromium package (tools/setup.sh browser).</summary>
    internal const string Chromium = "/usr/bin/chromium";

    /// <summary>Set to a folder (e.g. docs) to copy the screenshots there: how the README's screenshot is regenerated.</summary>
    internal const string ScreenshotVariable = "ONNX_ABLATION_SCREENSHOTS";

    [Fact]
    public async Task Page_renders_without_errors_images_load_hover_text_is_the_stores_and_tables_sort()
    {
        Assert.True(File.Exists(Chromium),
            $"{Chromium} not found: the browser test needs Debian's chromium package; run `bash tools/setup.sh browser` (tools/test.sh runs it)");
        var watch = Stopwatch.StartNew();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1100 } });
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") problems.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => problems.Add("page error: " + e);
        page.RequestFailed += (_, r) => problems.Add("request failed: " + r.Url);
        page.Request += (_, r) => { if (!r.Url.StartsWith("file:", StringComparison.Ordinal)) problems.Add("network request: " + r.Url); };
        var response = await page.GotoAsync(new Uri(study.Index).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.NotNull(response);

        // Every image (the ScottPlot SVGs) loads with a non-zero size and is drawn with one once its <details> is open.
        await page.EvaluateAsync("() => document.querySelectorAll('details').forEach(d => d.open = true)");
        await page.WaitForFunctionAsync("() => Array.from(document.images).every(i => i.complete)");
        var images = await page.EvaluateAsync<double[][]>(
            "() => Array.from(document.images).map(i => { const r = i.getBoundingClientRect(); return [i.naturalWidth, i.naturalHeight, r.width, r.height]; })");
        Assert.True(images.Length >= 30, $"only {images.Length} images");
        Assert.All(images, i => Assert.True(i.All(v => v > 0), $"image of size {string.Join("x", i)}"));
        int svgs = Directory.GetFiles(Path.Combine(study.OutDir, "plots"), "*.svg").Length;
        Assert.Equal(svgs, images.Length);

        // A heatmap cell's hover text gives the store's numbers: the most damaged class of fc1's most damaging unit.
        using var store = ResultStore.OpenExisting(study.StudyStore);
        var baseline = store.Get("baseline")!;
        var cell = page.Locator("#s0-heat-table-0 tbody tr").First.Locator("td[data-class]:not([data-class='-1'])");
        var deltas = await cell.EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.delta)");
        int worstCls = Array.IndexOf(deltas, deltas.MinBy(d => double.Parse(d, CultureInfo.InvariantCulture)));
        var worst = cell.Nth(worstCls);
        await worst.HoverAsync();
        int unit = int.Parse((await worst.GetAttributeAsync("data-unit"))!, CultureInfo.InvariantCulture);
        var record = store.Get($"zero-in|/fc1/MatMul:{unit}")!;
        double delta = record.ClassAccuracy[worstCls] - baseline.ClassAccuracy[worstCls];
        string title = (await worst.GetAttributeAsync("title"))!;
        string expected = $"/fc1/MatMul unit {unit}, class {worstCls}: {(delta * 100).ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture)} points " +
                          $"({baseline.ClassAccuracy[worstCls] * 100:F2}% → {record.ClassAccuracy[worstCls] * 100:F2}%)";
        Assert.Equal(expected, title);
        Assert.Equal(delta, double.Parse((await worst.GetAttributeAsync("data-delta"))!, CultureInfo.InvariantCulture));
        // The units are sorted by overall impact: the first row is the unit whose ablation costs most.
        var singles = Enumerable.Range(0, 20).Select(u => (u, store.Get($"zero-in|/fc1/MatMul:{u}")!.Accuracy)).OrderBy(x => x.Accuracy).ThenBy(x => x.u).First();
        Assert.Equal(singles.u, unit);

        // Sorting: a click on "unit" orders the table by unit, a second click reverses it.
        var table = page.Locator("#s0-units-table-0");
        async Task<int[]> Units() => (await table.Locator("tbody tr td:first-child").AllTextContentsAsync()).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var before = await Units();
        Assert.NotEqual(Enumerable.Range(0, 20), before);
        await table.Locator("th", new() { HasTextString = "unit" }).ClickAsync();
        Assert.Equal(Enumerable.Range(0, 20), await Units());
        await table.Locator("th", new() { HasTextString = "unit" }).ClickAsync();
        Assert.Equal(Enumerable.Range(0, 20).Reverse(), await Units());
        // Numeric sorting by the exact values: Δ overall ascending.
        await table.Locator("th", new() { HasTextString = "Δ overall" }).ClickAsync();
        var overall = (await table.Locator("tbody tr td:nth-child(3)").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.v)"))
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(overall.Order(), overall);

        Assert.Empty(problems);
        await Screenshots(page);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"browser part took {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The top of the page and the first heatmap, kept beside the page (and copied to $ONNX_ABLATION_SCREENSHOTS when set).</summary>
    private async Task Screenshots(IPage page)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        string top = Path.Combine(study.OutDir, "screenshot-summary.png");
        await page.ScreenshotAsync(new() { Path = top });
        var heat = page.Locator("#s0-heatmaps");
        await heat.ScrollIntoViewIfNeededAsync();
        string map = Path.Combine(study.OutDir, "screenshot-heatmap.png");
        await page.ScreenshotAsync(new() { Path = map, FullPage = true, Clip = await HeatmapClip(page) });
        Assert.True(new FileInfo(top).Length > 10_000);
        Assert.True(new FileInfo(map).Length > 10_000);
        if (Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } dir)
        {
            string target = Path.IsPathRooted(dir) ? dir : Path.Combine(TestPaths.Root, dir);
            Directory.CreateDirectory(target);
            File.Copy(top, Path.Combine(target, "report-summary.png"), true);
            File.Copy(map, Path.Combine(target, "report.png"), true);
        }
    }

    /// <summary>From the "Units × classes" heading to the end of the first layer's heatmap, page coordinates.</summary>
    private static async Task<Clip> HeatmapClip(IPage page)
    {
        var box = await page.EvaluateAsync<double[]>(
            "() => { const h = document.getElementById('s0-heatmaps').getBoundingClientRect(), t = document.getElementById('s0-heat-table-0').getBoundingClientRect();" +
            " return [h.left + window.scrollX - 8, h.top + window.scrollY - 8, Math.max(900, t.right - h.left + 16), t.bottom - h.top + 16]; }");
        return new Clip { X = (float)box[0], Y = (float)box[1], Width = (float)box[2], Height = (float)box[3] };
    }
}
