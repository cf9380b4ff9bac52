namespace OnnxAblation.Report.Sections;

/// <summary>One part of a store's report; listed in <see cref="ReportSections.PerStore"/> in page order.</summary>
internal interface IReportSection
{
    /// <summary>Heading (also the navigation entry).</summary>
    string Title { get; }

    /// <summary>Anchor suffix, unique among the sections.</summary>
    string Id { get; }

    /// <summary>Whether the store has anything for this section (a section without content is left out).</summary>
    bool Applies(SectionContext ctx);

    void Write(SectionContext ctx);
}
