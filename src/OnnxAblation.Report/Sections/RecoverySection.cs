namespace OnnxAblation.Report.Sections;

/// <summary>Recovery curves stored by <c>recover</c>: test accuracy per epoch of recovery training, per run.</summary>
internal sealed class RecoverySection : IReportSection
{
    public string Title => "Recovery";

    public string Id => "recovery";

    public bool Applies(SectionContext ctx) => ctx.Store.Recovery.Count > 0;

    public void Write(SectionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var s = ctx.Store;
        var h = ctx.Page;
        var runs = s.Recovery.GroupBy(p => p.Run, StringComparer.Ordinal).ToList();
        var plot = PlotFolder.NewPlot();
        var palette = new ScottPlot.Palettes.ColorblindFriendly();
        int i = 0;
        foreach (var run in runs)
        {
            var pts = run.OrderBy(p => p.Epoch).ToList();
            var line = plot.Add.Scatter(pts.Select(p => (double)p.Epoch).ToArray(), pts.Select(p => p.Accuracy * 100).ToArray());
            line.Color = palette.GetColor(i++ % 8);
            line.LineWidth = 2;
            line.LegendText = $"{run.Key} ({pts[0].Damage})";
        }
        var intact = plot.Add.HorizontalLine(s.Baseline.Accuracy * 100);
        intact.LinePattern = ScottPlot.LinePattern.Dashed;
        intact.Color = ScottPlot.Colors.Black;
        intact.LegendText = "intact network (store baseline)";
        plot.Axes.Bottom.Label.Text = "epochs of recovery training (0 = damaged, untrained)";
        plot.Axes.Left.Label.Text = "test accuracy (%)";
        plot.Title("Recovery training (ONNX Runtime evaluation per epoch)");
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        string src = ctx.Plots.Save(plot, ctx.Prefix + "-recovery", 820, 440);
        h.Figure(src, "recovery curves", "damage held at exactly zero during fine-tuning; each epoch evaluated by ONNX Runtime");
        h.Table(ctx.Id("recovery-table"), ["run", "damage", "epoch", "train loss", "accuracy %", "test loss", "seconds"],
            s.Recovery.Select(p => (IReadOnlyList<Cell>)
            [
                Cell.Text(p.Run), Cell.Text(p.Damage), Cell.Int(p.Epoch), Cell.Num(p.TrainLoss), Cell.Pct(p.Accuracy), Cell.Num(p.TestLoss), Cell.Num(p.Seconds),
            ]));
    }
}
