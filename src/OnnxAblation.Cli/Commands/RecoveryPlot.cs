using OnnxAblation.Recovery;

namespace OnnxAblation.Cli.Commands;

/// <summary>Draws recovery curves (test accuracy per epoch) with ScottPlot.</summary>
internal static class RecoveryPlot
{
    public static void Draw(string path, double baseline, IReadOnlyList<(string Name, string Damage, IReadOnlyList<RecoveryEpoch> Curve)> curves)
    {
        var plot = new ScottPlot.Plot();
        // SkiaSharp's self-contained Linux build has no fontconfig: register a font file so the text is drawn.
        const string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        if (File.Exists(font))
        {
            ScottPlot.Fonts.AddFontFile("DejaVu Sans", font);
            plot.Font.Set("DejaVu Sans");
        }
        foreach (var (name, damage, curve) in curves)
        {
            var line = plot.Add.Scatter(curve.Select(e => (double)e.Epoch).ToArray(), curve.Select(e => e.TestAccuracy * 100).ToArray());
            line.LegendText = $"{name} ({damage})";
        }
        var intact = plot.Add.HorizontalLine(baseline * 100);
        intact.LegendText = "intact network";
        intact.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Axes.Bottom.Label.Text = "epochs of recovery training";
        plot.Axes.Left.Label.Text = "test accuracy (%)";
        plot.Title("Recovery training (ONNX Runtime evaluation per epoch)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 520);
    }
}
