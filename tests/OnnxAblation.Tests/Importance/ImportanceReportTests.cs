using System.Text.Json;
using OnnxAblation.Importance;

namespace OnnxAblation.Tests.Importance;

public class ImportanceReportTests
{
    private static ImportanceReport Sample()
    {
        var change = new MannWhitneyResult(10, 1.5, 0.13, 0.25, 4, 4, "asymptotic");
        var w = new LayerWeightMetrics("fc,1", "W1", "init-model", 4,
        [
            new UnitWeightMetrics(0, new WeightStats(4, 1, 0.6, 0.1, 0.2, 0.4, 0.25, 4e-4), WeightStats.Missing, "output layer: its units feed no other layer", change),
            new UnitWeightMetrics(1, new WeightStats(4, 2, 1.1, -0.1, 0.3, 0.7, 0, 4e-4), WeightStats.Missing, "output layer: its units feed no other layer", change with { P = double.NaN }),
        ]);
        var a = new LayerActivationMetrics("fc,1", "relu", "relu-output", 8, ["a", "b"], [5, 3],
        [
            new UnitActivationMetrics(0, 0.5, 0.25, [0.75, 0.25], 0.5),
            new UnitActivationMetrics(1, 0, 1, [0, 0], 0),
        ]);
        var p = Predictiveness.Compute([new MetricValues("in_l1", [1, 2], MetricDirection.HigherIsImportant)],
            new UnitDamage("fc,1", [0.1, 0.2], [0.3, double.NaN]));
        return new ImportanceReport("m.onnx", [w], [a], p);
    }

    [Fact]
    public void Json_has_units_layers_and_predictiveness_with_nan_as_null()
    {
        using var ms = new MemoryStream();
        Sample().ToJson(ms);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.Equal("m.onnx", root.GetProperty("model").GetString());
        var layer = root.GetProperty("layers")[0];
        Assert.Equal("init-model", layer.GetProperty("weightReference").GetString());
        Assert.Equal("relu-output", layer.GetProperty("activationSource").GetString());
        var units = root.GetProperty("units");
        Assert.Equal(2, units.GetArrayLength());
        Assert.Equal(0.13, units[0].GetProperty("mwu_p").GetDouble());
        Assert.Equal(JsonValueKind.Null, units[1].GetProperty("mwu_p").ValueKind);
        Assert.Equal(JsonValueKind.Null, units[0].GetProperty("out_l1").ValueKind);
        Assert.Equal(0.75, units[0].GetProperty("class_means")[0].GetDouble());
        var pred = root.GetProperty("predictiveness");
        Assert.Equal(2, pred.GetArrayLength());
        Assert.Equal(1.0, pred[0].GetProperty("top_k").GetProperty("1").GetDouble());
        Assert.Equal(JsonValueKind.Null, pred[0].GetProperty("spearman_p").ValueKind); // 2 units: no dof
    }

    [Fact]
    public void Csv_is_invariant_with_quoted_names_and_empty_nan()
    {
        var report = Sample();
        using var sw = new StringWriter();
        report.ToCsv(sw);
        var lines = sw.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("layer,unit,in_count,in_l1,", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("act_mean,apoz,selectivity,class_mean:a,class_mean:b", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("\"fc,1\",0,4,1,0.6,0.1,0.2,0.4,0.25,0,,,,,,,10,1.5,0.13,0.25,0.5,0.25,0.5,0.75,0.25", lines[1], StringComparison.Ordinal);
        Assert.Equal(report.Columns.Count + 2 + 2, lines[1].Split(',').Length - 1); // the quoted layer name holds one comma
        using var text = new StringWriter();
        report.ToText(text);
        Assert.Contains("mwu_p", text.ToString(), StringComparison.Ordinal);
        using var pc = new StringWriter();
        report.PredictivenessToCsv(pc);
        Assert.StartsWith("layer,metric,direction,target,n,pearson_r", pc.ToString(), StringComparison.Ordinal);
    }
}
