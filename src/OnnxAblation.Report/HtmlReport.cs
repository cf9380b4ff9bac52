using System.Text;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Importance;
using OnnxAblation.Onnx;
using OnnxAblation.Report.Sections;

namespace OnnxAblation.Report;

/// <summary>
/// Writes the HTML report of one or more result stores: DIR/index.html (style and script inline) and DIR/plots/*.svg
/// (ScottPlot). It opens from the file system: no server, no network.
/// </summary>
public static class HtmlReport
{
    /// <exception cref="ReportException">No store given, a store without results or without a baseline, a model that is not the store's.</exception>
    /// <exception cref="FileNotFoundException">A store file does not exist.</exception>
    public static ReportResult Write(ReportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Stores.Count == 0) throw new ReportException("no result store given: pass one or more STORE files (made by study, sweep, correlate, compare or recover)");
        var stores = request.Stores.Select(StoreView.Load).ToList();
        var notes = new List<string>();
        var weights = Weights(request.ModelPath, stores, notes);
        string outDir = Path.GetFullPath(request.OutDir);
        Directory.CreateDirectory(outDir);
        var plots = new PlotFolder(outDir);
        var body = new Html();
        var nav = new StringBuilder();
        for (int i = 0; i < stores.Count; i++)
        {
            var s = stores[i];
            string prefix = "s" + Html.I(i);
            body.Line($"<section id=\"{prefix}\">");
            body.Line($"<h2 id=\"{prefix}-title\">{Html.E(Path.GetFileName(s.Path))} <span class=\"note\">— {Html.E(s.Meta.ModelPath)}</span></h2>");
            nav.Append($"<a href=\"#{prefix}\"><b>{Html.E(Path.GetFileName(s.Path))}</b></a>");
            var ctx = new SectionContext(s, body, plots, prefix, i == 0 ? weights : null);
            foreach (var section in ReportSections.PerStore.Where(x => x.Applies(ctx)))
            {
                body.H(2, ctx.Id(section.Id), section.Title);
                nav.Append($"<a href=\"#{ctx.Id(section.Id)}\">{Html.E(section.Title)}</a>");
                section.Write(ctx);
            }
            body.Line("</section>");
        }
        var comparable = ComparisonSection.Comparable(stores);
        if (comparable.Count > 0)
        {
            body.Line($"<section id=\"{ComparisonSection.Id}\"><h2>Comparison</h2>");
            nav.Append($"<a href=\"#{ComparisonSection.Id}\"><b>Comparison</b></a>");
            ComparisonSection.Write(comparable, body);
            body.Line("</section>");
        }
        string title = stores.Count == 1 ? $"Ablation study: {Path.GetFileName(stores[0].Meta.ModelPath)}" : $"Ablation studies: {stores.Count} stores";
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
        page.Append($"<title>{Html.E(title)}</title><style>{PageAssets.Css}</style></head><body>\n");
        page.Append($"<header><h1>{Html.E(title)}</h1><div>written by onnx-ablate report from {Html.I(stores.Count)} result store(s); every number is the store's</div></header>\n");
        page.Append($"<nav>{nav}</nav>\n<main>\n");
        foreach (var n in notes) page.Append($"<p class=\"note\">{Html.E(n)}</p>\n");
        page.Append(body).Append("</main>\n<script>").Append(PageAssets.Script).Append("</script>\n</body></html>\n");
        string index = Path.Combine(outDir, "index.html");
        File.WriteAllText(index, page.ToString(), new UTF8Encoding(false));
        long bytes = new FileInfo(index).Length + Directory.EnumerateFiles(Path.Combine(outDir, "plots")).Sum(f => new FileInfo(f).Length);
        return new ReportResult(index, plots.Count, bytes, notes);
    }

    /// <summary>Weight metrics of the first store's layers from <paramref name="modelPath"/>, which must be that store's model.</summary>
    private static Dictionary<string, LayerWeightMetrics>? Weights(string? modelPath, IReadOnlyList<StoreView> stores, List<string> notes)
    {
        if (modelPath is null) return null;
        var model = OnnxModel.Load(modelPath);
        var meta = stores[0].Meta;
        if (!string.Equals(model.Sha256(), meta.ModelSha256, StringComparison.OrdinalIgnoreCase))
            throw new ReportException($"--model {modelPath}: not the model of {stores[0].Path} (its sha256 differs from the store's {meta.ModelSha256}); pass the model the store was made with");
        var units = UnitDiscovery.Discover(model);
        var result = new Dictionary<string, LayerWeightMetrics>(StringComparer.Ordinal);
        foreach (var l in stores[0].Layers.Select(l => l.Layer).Distinct(StringComparer.Ordinal))
        {
            if (!units.Layers.Any(x => x.Name == l)) continue;
            result[l] = WeightMetrics.Compute(units, units[l], null);
        }
        notes.Add($"Weight metrics from {modelPath} (Mann-Whitney reference: PyTorch's default uniform initialisation).");
        return result;
    }
}
