namespace OnnxAblation.Report;

/// <summary>A table cell: its html and, for numbers, the exact value it sorts by (<c>data-v</c>).</summary>
internal readonly record struct Cell(string Html, string? Value)
{
    public static Cell Text(string text) => new(Report.Html.E(text), null);

    /// <summary>An accuracy fraction shown as percent.</summary>
    public static Cell Pct(double fraction) => new(Report.Html.P(fraction), Report.Html.R(fraction));

    /// <summary>A change (fraction) shown as signed points.</summary>
    public static Cell Delta(double fraction) => new(Report.Html.D(fraction), Report.Html.R(fraction));

    public static Cell Points(double points) => new(Report.Html.F2(points), Report.Html.R(points));

    public static Cell Num(double x) => new(Report.Html.F4(x), Report.Html.R(x));

    public static Cell Int(int x) => new(Report.Html.I(x), Report.Html.I(x));
}
