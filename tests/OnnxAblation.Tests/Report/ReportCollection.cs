namespace OnnxAblation.Tests.Report;

/// <summary>The report tests share one <see cref="ReportedStudy"/> (one study, one report) and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ReportCollection : ICollectionFixture<ReportedStudy>
{
    public const string Name = "report";
}
