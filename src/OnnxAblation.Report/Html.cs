using System.Globalization;
using System.Net;
using System.Text;

namespace OnnxAblation.Report;

/// <summary>
/// The page being written: escaped text, number formats (percent and points, as the Markdown reports print them), and
/// sortable tables whose cells keep the exact stored value in <c>data-v</c> for sorting and checking.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _sb = new();

    public static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Accuracy fraction as percent with two decimals; "n/a" for a class without samples.</summary>
    public static string P(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>Change as signed points with two decimals.</summary>
    public static string D(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    /// <summary>Change in points with every digit that matters (hover texts).</summary>
    public static string Exact(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture);

    /// <summary>Plain points value (already in points) with two decimals.</summary>
    public static string F2(double points) => double.IsNaN(points) ? "n/a" : points.ToString("F2", CultureInfo.InvariantCulture);

    public static string F4(double x) => double.IsNaN(x) ? "n/a" : x.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Round-trip text of a value (for <c>data-v</c>); empty for NaN.</summary>
    public static string R(double x) => double.IsNaN(x) ? "" : x.ToString("R", CultureInfo.InvariantCulture);

    public static string I(int x) => x.ToString(CultureInfo.InvariantCulture);

    public Html Raw(string html)
    {
        _sb.Append(html);
        return this;
    }

    public Html Line(string html)
    {
        _sb.Append(html).Append('\n');
        return this;
    }

    public Html H(int level, string id, string text) => Line($"<h{level} id=\"{E(id)}\">{E(text)}</h{level}>");

    public Html Para(string html) => Line($"<p>{html}</p>");

    /// <summary>An image beside the page (plots/…), with alternative text.</summary>
    public Html Figure(string src, string alt, string caption) =>
        Line($"<figure><img src=\"{E(src)}\" alt=\"{E(alt)}\" loading=\"eager\"><figcaption>{caption}</figcaption></figure>");

    /// <summary>A table sortable by clicking a header; each cell is (display html, sort value or null).</summary>
    public Html Table(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<Cell>> rows)
    {
        Line($"<table class=\"sortable\" id=\"{E(id)}\"><thead><tr>" + string.Concat(headers.Select(h => $"<th title=\"sort by {E(h)}\">{E(h)}</th>")) + "</tr></thead><tbody>");
        foreach (var row in rows)
            Line("<tr>" + string.Concat(row.Select(c => c.Value is null ? $"<td>{c.Html}</td>" : $"<td class=\"num\" data-v=\"{E(c.Value)}\">{c.Html}</td>")) + "</tr>");
        return Line("</tbody></table>");
    }

    public override string ToString() => _sb.ToString();
}
