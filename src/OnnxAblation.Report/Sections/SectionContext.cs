using OnnxAblation.Importance;

namespace OnnxAblation.Report.Sections;

/// <summary>What a section writes with: the store, the page, the plot folder, an id prefix unique to the store.</summary>
internal sealed record SectionContext(StoreView Store, Html Page, PlotFolder Plots, string Prefix, IReadOnlyDictionary<string, LayerWeightMetrics>? Weights)
{
    public string Id(string suffix) => Prefix + "-" + suffix;
}
