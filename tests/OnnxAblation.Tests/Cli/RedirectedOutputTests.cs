using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Cli;

/// <summary>
/// Into a pipe or a file (the child's stdout is a pipe here), Spectre tables take the width they need: every row stays on
/// one line instead of wrapping names at 80 columns.
/// </summary>
public class RedirectedOutputTests
{
    [Fact]
    public void Inspect_rows_stay_on_one_line_wider_than_80_columns()
    {
        var (code, stdout, stderr) = CliProcess.Run("inspect", TestPaths.Model("fmnist-resnet-tiny/model-bn.onnx"));
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        // The layer table: each row holds the layer, its BatchNorm and its consumers in full.
        Assert.Contains(lines, l => l.Contains("│ /stem_conv/Conv ", StringComparison.Ordinal)
                                    && l.Contains("/stem_bn/BatchNormalization", StringComparison.Ordinal)
                                    && l.Contains("/res_conv1/Conv, /group_conv/Conv (via residual Add)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith('┌') && l.TrimEnd().Length > 80);
        AssertNoWrappedRows(lines);
    }

    [Fact]
    public void Eval_and_sweep_tables_stay_on_one_line()
    {
        var (code, stdout, stderr) = CliProcess.Run("eval", CliPaths.Mlp, "--data", CliPaths.Digits300, "--limit", "300");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        // One line per class in the per-class table and in the confusion matrix (10 + 10 rows), none wrapped.
        Assert.Equal(20, lines.Count(l => l.StartsWith("│ ", StringComparison.Ordinal) && char.IsAsciiDigit(l[2])));
        AssertNoWrappedRows(lines);

        string store = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        (code, stdout, stderr) = CliProcess.Run("sweep", CliPaths.Mlp, "--data", CliPaths.Digits300, "--limit", "300", "--store", store, "--layers", "/fc2/MatMul");
        Assert.True(code == 0, stderr);
        // One table row per unit of fc2, each on one line.
        Assert.Equal(10, stdout.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Count(c => c == '|') >= 9 && char.IsAsciiDigit(l[2])));
    }

    /// <summary>A wrapped Spectre row continues on a line whose first cell is blank; only a header row (right under the top border) may start blank.</summary>
    private static void AssertNoWrappedRows(IReadOnlyList<string> lines)
    {
        for (int i = 1; i < lines.Count; i++)
        {
            string l = lines[i];
            if (!l.StartsWith("│ ", StringComparison.Ordinal) || lines[i - 1].StartsWith('┌')) continue;
            int end = l.IndexOf('│', 1);
            Assert.False(end > 0 && string.IsNullOrWhiteSpace(l[1..end]), "wrapped row: " + l);
        }
    }
}
