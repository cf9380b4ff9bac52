using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OnnxAblation.Importance;

/// <summary>
/// Per-unit importance metrics of a model (weight metrics, activation metrics) and, optionally, how well each metric
/// predicts measured ablation damage; printable as a table and writable as JSON or CSV (invariant culture;
/// NaN is null in JSON and an empty field in CSV).
/// </summary>
public sealed class ImportanceReport
{
    private static readonly string[] WeightColumns =
    [
        "in_count", "in_l1", "in_l2", "in_mean", "in_std", "in_max_abs", "in_near_zero",
        "out_count", "out_l1", "out_l2", "out_mean", "out_std", "out_max_abs", "out_near_zero",
        "mwu_u", "mwu_z", "mwu_p", "mwu_r",
    ];

    private static readonly string[] ActivationColumns = ["act_mean", "apoz", "selectivity"];

    public ImportanceReport(string model, IReadOnlyList<LayerWeightMetrics>? weights, IReadOnlyList<LayerActivationMetrics>? activations,
        IReadOnlyList<PredictivenessResult>? predictiveness = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Weights = weights ?? [];
        Activations = activations ?? [];
        Predictiveness = predictiveness ?? [];
        var columns = new List<string>();
        if (Weights.Count > 0) columns.AddRange(WeightColumns);
        if (Activations.Count > 0) columns.AddRange(ActivationColumns);
        Columns = columns;
        Rows = BuildRows();
    }

    /// <summary>Model path or description.</summary>
    public string Model { get; }

    public IReadOnlyList<LayerWeightMetrics> Weights { get; }

    public IReadOnlyList<LayerActivationMetrics> Activations { get; }

    public IReadOnlyList<PredictivenessResult> Predictiveness { get; }

    /// <summary>Names of the per-unit scalar columns (after layer and unit): weight columns then activation columns.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>One row per unit, layers in the order given (weights first), units in order.</summary>
    public IReadOnlyList<ImportanceRow> Rows { get; }

    private List<ImportanceRow> BuildRows()
    {
        var layers = Weights.Select(w => w.Layer).Concat(Activations.Select(a => a.Layer)).Distinct(StringComparer.Ordinal);
        var rows = new List<ImportanceRow>();
        foreach (string layer in layers)
        {
            var w = Weights.FirstOrDefault(x => x.Layer == layer);
            var a = Activations.FirstOrDefault(x => x.Layer == layer);
            int count = Math.Max(w?.Units.Count ?? 0, a?.Units.Count ?? 0);
            for (int u = 0; u < count; u++)
            {
                var values = new List<double>(Columns.Count);
                if (Weights.Count > 0)
                {
                    var m = w is not null && u < w.Units.Count ? w.Units[u] : null;
                    values.AddRange(m is null ? WeightColumns.Select(_ => double.NaN) :
                    [
                        m.Incoming.Count, m.Incoming.L1, m.Incoming.L2, m.Incoming.Mean, m.Incoming.Std, m.Incoming.MaxAbs, m.Incoming.NearZeroFraction,
                        m.Outgoing.Count, m.Outgoing.L1, m.Outgoing.L2, m.Outgoing.Mean, m.Outgoing.Std, m.Outgoing.MaxAbs, m.Outgoing.NearZeroFraction,
                        m.Change.U, m.Change.Z, m.Change.P, m.Change.RankBiserial,
                    ]);
                }
                if (Activations.Count > 0)
                {
                    var m = a is not null && u < a.Units.Count ? a.Units[u] : null;
                    values.AddRange(m is null ? ActivationColumns.Select(_ => double.NaN) : [m.Mean, m.ZeroFraction, m.Selectivity]);
                }
                rows.Add(new ImportanceRow(layer, u, values));
            }
        }
        return rows;
    }

    /// <summary>Writes the whole report as indented UTF-8 JSON: model, per-layer facts, per-unit metrics (with class means), predictiveness.</summary>
    public void ToJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteString("model", Model);
        j.WriteStartArray("layers");
        foreach (string layer in Rows.Select(r => r.Layer).Distinct(StringComparer.Ordinal))
        {
            j.WriteStartObject();
            j.WriteString("layer", layer);
            if (Weights.FirstOrDefault(x => x.Layer == layer) is { } w)
            {
                j.WriteString("weight", w.WeightName);
                j.WriteString("weightReference", w.Reference);
                j.WriteNumber("fanIn", w.FanIn);
                var notes = w.Units.Select(u => u.OutgoingNote).Where(n => n is not null).Distinct().ToList();
                if (notes.Count > 0) j.WriteString("outgoingNote", string.Join("; ", notes));
            }
            if (Activations.FirstOrDefault(x => x.Layer == layer) is { } a)
            {
                j.WriteString("activationTensor", a.Tensor);
                j.WriteString("activationSource", a.Source);
                j.WriteNumber("samples", a.Samples);
                j.WriteStartArray("classNames");
                foreach (var c in a.ClassNames) j.WriteStringValue(c);
                j.WriteEndArray();
                j.WriteStartArray("classCounts");
                foreach (var c in a.ClassCounts) j.WriteNumberValue(c);
                j.WriteEndArray();
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("units");
        foreach (var row in Rows)
        {
            j.WriteStartObject();
            j.WriteString("layer", row.Layer);
            j.WriteNumber("unit", row.Unit);
            for (int c = 0; c < Columns.Count; c++) Number(j, Columns[c], row.Values[c]);
            if (ClassMeans(row) is { } means)
            {
                j.WriteStartArray("class_means");
                foreach (double v in means) NumberValue(j, v);
                j.WriteEndArray();
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("predictiveness");
        foreach (var p in Predictiveness)
        {
            j.WriteStartObject();
            j.WriteString("layer", p.Layer);
            j.WriteString("metric", p.Metric);
            j.WriteString("direction", p.Direction == MetricDirection.HigherIsImportant ? "higher-is-important" : "lower-is-important");
            j.WriteString("target", p.Target);
            j.WriteNumber("n", p.Pearson.N);
            Number(j, "pearson_r", p.Pearson.R);
            Number(j, "pearson_p", p.Pearson.P);
            Number(j, "spearman_r", p.Spearman.R);
            Number(j, "spearman_p", p.Spearman.P);
            j.WriteStartObject("top_k");
            foreach (var t in p.TopK) Number(j, t.K.ToString(CultureInfo.InvariantCulture), t.Overlap);
            j.WriteEndObject();
            if ((p.Pearson.Note ?? p.Spearman.Note) is { } note) j.WriteString("note", note);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }

    /// <summary>Writes one CSV line per unit: layer, unit, <see cref="Columns"/>, then class_mean:&lt;class&gt; columns if activations were measured.</summary>
    public void ToCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var classNames = Activations.Count > 0 ? Activations.OrderByDescending(a => a.ClassNames.Count).First().ClassNames : [];
        var header = new List<string> { "layer", "unit" };
        header.AddRange(Columns);
        header.AddRange(classNames.Select(c => "class_mean:" + c));
        writer.WriteLine(string.Join(",", header.Select(Csv)));
        foreach (var row in Rows)
        {
            var fields = new List<string> { Csv(row.Layer), row.Unit.ToString(CultureInfo.InvariantCulture) };
            fields.AddRange(row.Values.Select(Format));
            var means = ClassMeans(row);
            for (int c = 0; c < classNames.Count; c++) fields.Add(means is not null && c < means.Count ? Format(means[c]) : "");
            writer.WriteLine(string.Join(",", fields));
        }
    }

    /// <summary>Writes <see cref="Predictiveness"/> as CSV: layer, metric, direction, target, n, Pearson and Spearman r/p, top-k overlaps.</summary>
    public void PredictivenessToCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine("layer,metric,direction,target,n,pearson_r,pearson_p,spearman_r,spearman_p," + string.Join(",", Importance.Predictiveness.Ks.Select(k => $"top{k}")));
        foreach (var p in Predictiveness)
        {
            var fields = new List<string>
            {
                Csv(p.Layer), Csv(p.Metric), p.Direction == MetricDirection.HigherIsImportant ? "higher" : "lower", Csv(p.Target),
                p.Pearson.N.ToString(CultureInfo.InvariantCulture),
                Format(p.Pearson.R), Format(p.Pearson.P), Format(p.Spearman.R), Format(p.Spearman.P),
            };
            fields.AddRange(Importance.Predictiveness.Ks.Select(k => p.TopK.FirstOrDefault(t => t.K == k) is { } t ? Format(t.Overlap) : ""));
            writer.WriteLine(string.Join(",", fields));
        }
    }

    /// <summary>Writes the per-unit table as aligned plain text (4 significant digits; "-" for NaN).</summary>
    public void ToText(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var table = new List<string[]>();
        table.Add(["layer", "unit", .. Columns]);
        foreach (var row in Rows)
            table.Add([row.Layer, row.Unit.ToString(CultureInfo.InvariantCulture), .. row.Values.Select(v => double.IsNaN(v) ? "-" : v.ToString("G4", CultureInfo.InvariantCulture))]);
        int cols = table[0].Length;
        var width = Enumerable.Range(0, cols).Select(c => table.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in table)
        {
            sb.Clear();
            for (int c = 0; c < cols; c++)
            {
                if (c > 0) sb.Append("  ");
                sb.Append(c < 1 ? r[c].PadRight(width[c]) : r[c].PadLeft(width[c]));
            }
            writer.WriteLine(sb.ToString().TrimEnd());
        }
    }

    private IReadOnlyList<double>? ClassMeans(ImportanceRow row)
    {
        var a = Activations.FirstOrDefault(x => x.Layer == row.Layer);
        return a is not null && row.Unit < a.Units.Count ? a.Units[row.Unit].ClassMeans : null;
    }

    private static void Number(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v);
        else j.WriteNull(name);
    }

    private static void NumberValue(Utf8JsonWriter j, double v)
    {
        if (double.IsFinite(v)) j.WriteNumberValue(v);
        else j.WriteNullValue();
    }

    private static string Format(double v) => double.IsNaN(v) ? "" : v.ToString(CultureInfo.InvariantCulture);

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
