using System.Globalization;

namespace OnnxAblation.Report;

/// <summary>
/// Colours of the heatmaps, from ScottPlot's colormaps: cmocean "Balance" (perceptually uniform, blue–white–red, readable
/// with red–green colour blindness) centred on 0 for changes (losses red, gains blue), cmocean "Amp" for joint-only
/// losses (0 = white).
/// </summary>
internal static class ColorScale
{
    private static readonly ScottPlot.IColormap Diverging = new ScottPlot.Colormaps.Balance();
    private static readonly ScottPlot.IColormap Sequential = new ScottPlot.Colormaps.Amp();

    /// <summary>A change against ±<paramref name="range"/>: −range (loss) is dark red, 0 white, +range dark blue.</summary>
    public static ScottPlot.Color Change(double value, double range)
    {
        if (double.IsNaN(value)) return ScottPlot.Color.FromHex("#dddddd");
        double t = Math.Clamp(0.5 - value / (2 * range), 0, 1);
        return Diverging.GetColor(t);
    }

    /// <summary>A non-negative amount against <paramref name="max"/>.</summary>
    public static ScottPlot.Color Amount(double value, double max) =>
        double.IsNaN(value) ? ScottPlot.Color.FromHex("#dddddd") : Sequential.GetColor(Math.Clamp(value / max, 0, 1));

    public static string Css(ScottPlot.Color c) => "#" + c.R.ToString("x2", CultureInfo.InvariantCulture) + c.G.ToString("x2", CultureInfo.InvariantCulture) + c.B.ToString("x2", CultureInfo.InvariantCulture);

    /// <summary>Whether text on this colour should be white.</summary>
    public static bool Dark(ScottPlot.Color c) => 0.299 * c.R + 0.587 * c.G + 0.114 * c.B < 130;

    /// <summary>A CSS gradient of the diverging scale from loss (left) to gain (right).</summary>
    public static string ChangeGradient() =>
        "linear-gradient(to right," + string.Join(",", Enumerable.Range(0, 11).Select(i => Css(Diverging.GetColor(1 - i / 10.0)))) + ")";

    public static string AmountGradient() =>
        "linear-gradient(to right," + string.Join(",", Enumerable.Range(0, 11).Select(i => Css(Sequential.GetColor(i / 10.0)))) + ")";
}
