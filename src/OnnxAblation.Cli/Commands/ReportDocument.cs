using System.Text.RegularExpressions;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// A report built once as headings, paragraphs, bullet lists and tables, then written to the terminal (Spectre.Console
/// tables) and/or as Markdown, so the console output and the <c>--report</c> file say the same thing.
/// </summary>
internal sealed partial class ReportDocument
{
    private readonly List<Block> _blocks = [];

    public void Heading(int level, string text) => _blocks.Add(new HeadingBlock(Math.Clamp(level, 1, 4), text));

    /// <summary>A paragraph; <paramref name="strong"/> prints it bold (a headline).</summary>
    public void Paragraph(string text, bool strong = false) => _blocks.Add(new ParagraphBlock(text, strong));

    public void Bullets(IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count > 0) _blocks.Add(new BulletBlock(list));
    }

    /// <summary>A table; columns whose cells are all numbers (or "-") are right-aligned.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? title = null)
    {
        var list = rows.ToList();
        foreach (var row in list)
            if (row.Count != headers.Count)
                throw new InvalidOperationException($"report table '{title ?? headers[0]}': a row has {row.Count} cells for {headers.Count} columns");
        _blocks.Add(new TableBlock(headers, list, title));
    }

    public void WriteMarkdown(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case HeadingBlock h:
                    w.WriteLine(new string('#', h.Level) + " " + h.Text);
                    break;
                case ParagraphBlock p:
                    w.WriteLine(p.Strong ? "**" + p.Text + "**" : p.Text);
                    break;
                case BulletBlock l:
                    foreach (var item in l.Items) w.WriteLine("- " + item);
                    break;
                case TableBlock t:
                    if (t.Title is not null)
                    {
                        w.WriteLine(t.Title);
                        w.WriteLine();
                    }
                    var right = RightAligned(t);
                    w.WriteLine("| " + string.Join(" | ", t.Headers.Select(Cell)) + " |");
                    w.WriteLine("|" + string.Concat(right.Select(r => r ? "---:|" : "---|")));
                    foreach (var row in t.Rows) w.WriteLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
                    break;
            }
            w.WriteLine();
        }
    }

    /// <summary>Writes to the terminal; when stdout is redirected the width is widened so tables are not wrapped.</summary>
    public void WriteConsole(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (Console.IsOutputRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 200);
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case HeadingBlock h:
                    console.MarkupLine(h.Level == 1 ? $"[bold underline]{Markup.Escape(h.Text)}[/]" : $"[bold]{Markup.Escape(h.Text)}[/]");
                    break;
                case ParagraphBlock p:
                    console.MarkupLine(p.Strong ? $"[bold]{Markup.Escape(p.Text)}[/]" : Markup.Escape(p.Text));
                    break;
                case BulletBlock l:
                    foreach (var item in l.Items) console.MarkupLine("  • " + Markup.Escape(item));
                    break;
                case TableBlock t:
                    var table = new Table();
                    if (t.Title is not null) table.Title = new TableTitle(Markup.Escape(t.Title));
                    var right = RightAligned(t);
                    for (int c = 0; c < t.Headers.Count; c++)
                    {
                        var col = new TableColumn(Markup.Escape(t.Headers[c])) { NoWrap = true };
                        table.AddColumn(right[c] ? col.RightAligned() : col);
                    }
                    foreach (var row in t.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
                    console.Write(table);
                    break;
            }
            console.WriteLine();
        }
    }

    private static bool[] RightAligned(TableBlock t) =>
        Enumerable.Range(0, t.Headers.Count)
            .Select(c => t.Rows.Count > 0 && t.Rows.All(r => NumberLike().IsMatch(r[c])))
            .ToArray();

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    [GeneratedRegex(@"^(-|[-+−]?[0-9][0-9.,]*(e[-+]?[0-9]+)?%?( ?[±(].*)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex NumberLike();

    private abstract record Block;

    private sealed record HeadingBlock(int Level, string Text) : Block;

    private sealed record ParagraphBlock(string Text, bool Strong) : Block;

    private sealed record BulletBlock(IReadOnlyList<string> Items) : Block;

    private sealed record TableBlock(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, string? Title) : Block;
}
