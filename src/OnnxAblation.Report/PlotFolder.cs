using System.Text;

namespace OnnxAblation.Report;

/// <summary>
/// The plots beside the page (DIR/plots/*.svg), drawn with ScottPlot. A font file is registered so text is measured
/// and drawn the same on machines without fontconfig (SkiaSharp's self-contained Linux build).
/// </summary>
internal sealed class PlotFolder
{
    private const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private const string FontName = "DejaVu Sans";
    private static readonly Lock FontGate = new();
    private static bool _fontAdded;
    private readonly string _dir;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public PlotFolder(string outDir)
    {
        _dir = Path.Combine(outDir, "plots");
        Directory.CreateDirectory(_dir);
        foreach (var old in Directory.EnumerateFiles(_dir, "*.svg")) File.Delete(old);
    }

    public int Count => _names.Count;

    public static ScottPlot.Plot NewPlot()
    {
        var plot = new ScottPlot.Plot();
        if (File.Exists(FontFile))
        {
            lock (FontGate)
            {
                if (!_fontAdded) ScottPlot.Fonts.AddFontFile(FontName, FontFile);
                _fontAdded = true;
            }
            plot.Font.Set(FontName);
        }
        return plot;
    }

    /// <summary>Writes the plot as SVG; returns its path relative to the page.</summary>
    public string Save(ScottPlot.Plot plot, string name, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        string file = Unique(Safe(name)) + ".svg";
        File.WriteAllText(Path.Combine(_dir, file), plot.GetSvgXml(width, height), new UTF8Encoding(false));
        return "plots/" + file;
    }

    private string Unique(string stem)
    {
        string s = stem;
        for (int i = 2; !_names.Add(s); i++) s = stem + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return s;
    }

    private static string Safe(string name)
    {
        var sb = new StringBuilder();
        foreach (char ch in name) sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_');
        return sb.Length == 0 ? "plot" : sb.ToString();
    }
}
