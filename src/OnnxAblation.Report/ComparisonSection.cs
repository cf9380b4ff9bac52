namespace OnnxAblation.Report;

/// <summary>
/// Stores made on the same data (as <c>compare</c> makes them, one per model): baselines per class side by side and
/// the layers, paired by position, with their mean single-unit and whole-layer changes.
/// </summary>
internal static class ComparisonSection
{
    public const string Id = "comparison";

    /// <summary>The stores that share the first store's samples and labels (at least two, else none).</summary>
    public static IReadOnlyList<StoreView> Comparable(IReadOnlyList<StoreView> stores)
    {
        ArgumentNullException.ThrowIfNull(stores);
        if (stores.Count < 2) return [];
        var first = stores[0].Meta;
        var same = stores.Where(s => s.Meta.Samples == first.Samples && s.Meta.Classes == first.Classes && s.Meta.Labels.AsSpan().SequenceEqual(first.Labels)).ToList();
        return same.Count >= 2 ? same : [];
    }

    public static void Write(IReadOnlyList<StoreView> stores, Html h)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(h);
        var first = stores[0];
        h.Para($"{stores.Count} stores on the same data (<code>{Html.E(first.Meta.DataText)}</code>, {first.Meta.Samples} samples, identical labels).");
        var headers = new List<string> { "class" };
        headers.AddRange(stores.Select(Name));
        var rows = new List<IReadOnlyList<Cell>> { new[] { Cell.Text("all") }.Concat(stores.Select(s => Cell.Pct(s.Baseline.Accuracy))).ToList() };
        for (int c = 0; c < first.Meta.Classes; c++)
        {
            int cls = c;
            rows.Add(new[] { Cell.Text(first.ClassName(c)) }.Concat(stores.Select(s => Cell.Pct(s.Baseline.ClassAccuracy[cls]))).ToList());
        }
        h.H(3, "comparison-baselines", "Baseline accuracy % per class");
        h.Table("comparison-baselines-table", headers, rows);
        int depth = stores.Max(s => s.Layers.Count);
        var layerHeaders = new List<string> { "layer position" };
        foreach (var s in stores) layerHeaders.AddRange([Name(s) + ": layer", "mean single Δ", "whole layer Δ"]);
        var layerRows = new List<IReadOnlyList<Cell>>();
        for (int i = 0; i < depth; i++)
        {
            var row = new List<Cell> { Cell.Int(i) };
            foreach (var s in stores)
            {
                if (i >= s.Layers.Count)
                {
                    row.AddRange([Cell.Text("-"), Cell.Text("-"), Cell.Text("-")]);
                    continue;
                }
                var l = s.Layers[i];
                row.Add(Cell.Text(s.LayerTitle(l)));
                row.Add(Cell.Delta(l.MeanSingleDelta));
                row.Add(l.WholeLayer is { } w ? Cell.Delta(w.Accuracy - s.Baseline.Accuracy) : Cell.Text("not run"));
            }
            layerRows.Add(row);
        }
        h.H(3, "comparison-layers", "Layers by position");
        h.Table("comparison-layers-table", layerHeaders, layerRows);
    }

    private static string Name(StoreView s) => Path.GetFileName(s.Path);
}
