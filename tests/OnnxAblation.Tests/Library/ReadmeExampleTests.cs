using System.Text.RegularExpressions;
using OnnxAblation.Requests;

namespace OnnxAblation.Tests.Library;

/// <summary>
/// The README's "Using the library" program is this test's code (between the README markers), run here; a second test
/// fails when the README's copy and this one differ (as Sep keeps its README examples as tests).
/// </summary>
public partial class ReadmeExampleTests
{
    [Fact]
    public void The_readme_program_runs_and_finds_the_class_selective_units()
    {
        var lines = new StringWriter();
        void Print(string line) => lines.WriteLine(line);
        string model = Path.Combine(TestPaths.Models, "fmnist-mlp", "model.onnx");
        string data = $"idx:{TestPaths.FashionMnist}/t10k";
        string store = Path.Combine(TestPaths.NewTempDirectory(), "mlp.study.db");
        {
            // README-BEGIN
            var session = AblationSession.Open(model, data, new SessionOptions { Limit = 1000 });
            Print($"intact accuracy {session.Evaluate().Accuracy:P2}");
            using var sweep = session.Sweep(new SweepRequest { StorePath = store, Layers = ["/fc2/Gemm"] });
            foreach (var unit in sweep.Singles("/fc2/Gemm").OrderBy(u => u.WorstClassDelta).Take(3))
                Print($"unit {unit.Units[0]}: accuracy {unit.DeltaAccuracy:+0.0%;-0.0%}, " +
                      $"class {unit.WorstClass} {unit.WorstClassDelta:+0.0%;-0.0%}");
            var importance = session.Importance("/fc2/Gemm");
            var units = importance.Weights[0].Units;
            Print($"{units.Count(u => u.Change.P < 0.05)} of {units.Count} units' weights differ from a default init (p < 0.05)");
            // README-END
            Assert.Equal(64, sweep.Singles("/fc2/Gemm").Count);
            Assert.Equal(65, sweep.Context.Store.Count); // 64 units and the baseline
            // the facade's numbers are the store's: the printed worst unit is the store's record against its baseline
            var worst = sweep.Singles("/fc2/Gemm").MinBy(u => u.WorstClassDelta)!;
            var record = sweep.Context.Store.All().Single(r => r.Units.Count == 1 && r.Units[0].Units.SequenceEqual([worst.Units[0]]));
            Assert.Equal(record.Accuracy - sweep.BaselineAccuracy, worst.DeltaAccuracy, 12);
            Assert.Equal(64, units.Count);
            // the paper's picture: the most class-selective unit costs its class several times what it costs overall
            Assert.True(worst.WorstClassDelta < 5 * worst.DeltaAccuracy, $"{worst.WorstClassDelta} vs {worst.DeltaAccuracy}");
        }
        var text = lines.ToString();
        Assert.Matches(IntactLine(), text);
        Assert.Equal(5, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void The_readme_shows_exactly_this_program()
    {
        string source = File.ReadAllText(Path.Combine(TestPaths.Root, "tests", "OnnxAblation.Tests", "Library", "ReadmeExampleTests.cs"));
        var m = Regex.Match(source, "// README-BEGIN\n(.*?)\n *// README-END", RegexOptions.Singleline);
        Assert.True(m.Success);
        var code = string.Join("\n", m.Groups[1].Value.Split('\n').Select(l => l.Length >= 12 ? l[12..] : l.TrimStart()));
        string readme = File.ReadAllText(Path.Combine(TestPaths.Root, "README.md"));
        Assert.Contains("```csharp\n" + ReadmeHeader + "\n" + code.Replace("Print(", "Console.WriteLine(", StringComparison.Ordinal) + "\n```", readme, StringComparison.Ordinal);
    }

    /// <summary>What the README's program declares before the code it shares with this test.</summary>
    private const string ReadmeHeader = """
        using OnnxAblation;
        using OnnxAblation.Requests;

        string model = "models/fmnist-mlp/model.onnx";
        string data = "idx:/usr/share/datasets/fashion-mnist/t10k";
        string store = "mlp.study.db";

        """;

    [GeneratedRegex(@"^intact accuracy \d+\.\d\d ?%", RegexOptions.Multiline)]
    private static partial Regex IntactLine();
}
