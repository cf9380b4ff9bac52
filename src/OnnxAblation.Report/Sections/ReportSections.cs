namespace OnnxAblation.Report.Sections;

/// <summary>The sections of a store's report, in page order. A new section is one class here (see README, Extending).</summary>
internal static class ReportSections
{
    public static IReadOnlyList<IReportSection> PerStore { get; } =
    [
        new SummarySection(),
        new HeatmapSection(),
        new UnitBarsSection(),
        new PairsSection(),
        new CumulativeSection(),
        new AcrossSection(),
        new ClassTopSection(),
        new ImportanceSection(),
        new RecoverySection(),
    ];
}
