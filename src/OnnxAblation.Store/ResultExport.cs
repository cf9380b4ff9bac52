using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// Writes a result store as JSON or CSV for other tools. Deltas and flips are relative to the record keyed
/// "baseline", which must be stored. Ablations are listed in insertion order, the baseline excluded.
/// <para>
/// Every table of the store is exported: the ablations, the skipped layers, the evaluation paths, the recovery curves and the unit orders.
/// JSON shape (snake_case keys; NaN and ±∞, which JSON cannot hold, are written as null):
/// <c>{"model", "model_sha256", "data" (spec and " (first N)"), "data_limit" (N or null), "samples", "classes", "class_names": [K],
/// "baseline": {"accuracy", "class_accuracy": [K], "class_count": [K], "mean_loss"},
/// "ablations": [{"layer", "units": [..], "mode", "study", "accuracy", "class_accuracy": [K], "delta_accuracy",
/// "delta_class_accuracy": [K], "mean_loss", "class_mean_loss": [K], "flipped_to_wrong", "flipped_to_right"}],
/// "skipped": [{"layer", "reason"}], "paths": [{"layer", "path": "fast"|"reference", "reason"?}], "recovery": [{"run", "damage", "epoch", "train_loss", "accuracy", "class_accuracy": [K],
/// "test_loss", "seconds"}], "orders": [{"study", "units": [..]}]}</c>.
/// An ablation over several layers has "layer" = the layer names joined by ";", "units" = their unit lists
/// concatenated, and in addition "groups": [{"layer", "units"}].
/// A store of an adaptive study (<c>--adaptive</c>) also has "adaptive" (its sampling) at the top and, per ablation,
/// "samples" (how many samples it was measured on) and "interval" (half-width of the 95% interval of
/// delta_accuracy; 0 on all samples); the CSV then ends with the columns samples and interval.
/// </para>
/// <para>
/// CSV (RFC 4180, invariant culture, CRLF line ends, UTF-8): columns key, study, layer, units (space-separated;
/// for several layers the groups are separated by ";" like the layer names), mode, accuracy, delta_accuracy,
/// mean_loss, flipped_to_wrong, flipped_to_right, then class_acc_&lt;name&gt; for every class, then
/// delta_class_&lt;name&gt; for every class. Non-finite values are written NaN, Infinity, -Infinity. After the
/// ablations: a row "skipped:LAYER" per skipped layer (the reason in the study column), a row "path:LAYER" per
/// evaluated layer (its path and reason in the study column) and a row "order:STUDY" per
/// recorded unit order (the study in the study column, the order in the units column). Recovery curves go to a second
/// file next to it, <see cref="RecoveryCsvPath"/>: columns run, damage, epoch, train_loss, accuracy, test_loss,
/// seconds, class_acc_&lt;name&gt; for every class.
/// </para>
/// </summary>
public static class ResultExport
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // layer names like "/conv1/Conv+bias" stay readable
    };

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void ToJson(ResultStore store, string path) => WriteFile(path, s => ToJson(store, s));

    public static void ToJson(ResultStore store, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stream);
        var meta = store.Metadata;
        var (baseline, ablations) = Split(store);
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        w.WriteString("model", meta.ModelPath);
        w.WriteString("model_sha256", meta.ModelSha256);
        w.WriteString("data", meta.DataText);
        if (meta.DataLimit is int limit) w.WriteNumber("data_limit", limit);
        else w.WriteNull("data_limit");
        w.WriteNumber("samples", meta.Samples);
        w.WriteNumber("classes", meta.Classes);
        if (meta.Adaptive is { } adaptive) w.WriteString("adaptive", adaptive);
        w.WriteStartArray("class_names");
        foreach (var name in meta.ClassNames) w.WriteStringValue(name);
        w.WriteEndArray();

        w.WriteStartObject("baseline");
        Number(w, "accuracy", baseline.Accuracy);
        Numbers(w, "class_accuracy", baseline.ClassAccuracy);
        w.WriteStartArray("class_count");
        foreach (int c in ClassCounts(meta)) w.WriteNumberValue(c);
        w.WriteEndArray();
        Number(w, "mean_loss", baseline.MeanLoss);
        w.WriteEndObject();

        w.WriteStartArray("ablations");
        foreach (var r in ablations)
        {
            var (toWrong, toRight) = Flips(baseline.Correct, r.Correct, meta.Samples);
            w.WriteStartObject();
            w.WriteString("layer", LayerText(r));
            w.WriteStartArray("units");
            foreach (var set in r.Units)
                foreach (int u in set.Units) w.WriteNumberValue(u);
            w.WriteEndArray();
            if (r.Units.Count > 1)
            {
                w.WritePropertyName("groups");
                StoreJson.WriteUnits(w, r.Units);
            }
            w.WriteString("mode", r.Mode);
            w.WriteString("study", r.Study);
            Number(w, "accuracy", r.Accuracy);
            Numbers(w, "class_accuracy", r.ClassAccuracy);
            Number(w, "delta_accuracy", r.Accuracy - baseline.Accuracy);
            Numbers(w, "delta_class_accuracy", Deltas(r.ClassAccuracy, baseline.ClassAccuracy));
            Number(w, "mean_loss", r.MeanLoss);
            Numbers(w, "class_mean_loss", r.ClassMeanLoss);
            w.WriteNumber("flipped_to_wrong", toWrong);
            w.WriteNumber("flipped_to_right", toRight);
            if (r.Samples is int n) w.WriteNumber("samples", n);
            if (r.Interval is double h) Number(w, "interval", h);
            if (r.Effect is { } e)
            {
                Number(w, "agreement", e.Agreement);
                Numbers(w, "class_agreement", e.ClassAgreement);
                Number(w, "kl", e.Kl);
                Number(w, "top_score_change", e.TopScoreChange);
                Number(w, "drift", e.Drift);
                Number(w, "cosine", e.Cosine);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("skipped");
        foreach (var (layer, reason) in store.Skipped())
        {
            w.WriteStartObject();
            w.WriteString("layer", layer);
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("paths");
        foreach (var (layer, path) in store.Paths())
        {
            w.WriteStartObject();
            w.WriteString("layer", layer);
            w.WriteString("path", path.StartsWith("reference", StringComparison.Ordinal) ? "reference" : path);
            if (path.StartsWith("reference: ", StringComparison.Ordinal)) w.WriteString("reason", path["reference: ".Length..]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("recovery");
        foreach (var p in store.RecoveryPoints())
        {
            w.WriteStartObject();
            w.WriteString("run", p.Run);
            w.WriteString("damage", p.Damage);
            w.WriteNumber("epoch", p.Epoch);
            Number(w, "train_loss", p.TrainLoss);
            Number(w, "accuracy", p.Accuracy);
            Numbers(w, "class_accuracy", p.ClassAccuracy);
            Number(w, "test_loss", p.TestLoss);
            Number(w, "seconds", p.Seconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("orders");
        foreach (var (study, order) in store.Orders().OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("study", study);
            w.WriteStartArray("units");
            foreach (int u in order) w.WriteNumberValue(u);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes the CSV to <paramref name="path"/> and, when the store has recovery curves, <see cref="RecoveryCsvPath"/>.</summary>
    public static void ToCsv(ResultStore store, string path)
    {
        ArgumentNullException.ThrowIfNull(store);
        WriteFile(path, s => ToCsv(store, s));
        if (store.RecoveryPoints().Count > 0) WriteFile(RecoveryCsvPath(path), s => RecoveryToCsv(store, s));
    }

    /// <summary>Where <see cref="ToCsv(ResultStore, string)"/> writes the recovery curves: "X.csv" → "X.recovery.csv".</summary>
    public static string RecoveryCsvPath(string csvPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(csvPath);
        string full = Path.GetFullPath(csvPath);
        return Path.Combine(Path.GetDirectoryName(full) ?? "", Path.GetFileNameWithoutExtension(full) + ".recovery.csv");
    }

    /// <summary>The recovery table as CSV: run, damage, epoch, train_loss, accuracy, test_loss, seconds, class_acc_&lt;name&gt;….</summary>
    public static void RecoveryToCsv(ResultStore store, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
        var header = new List<string> { "run", "damage", "epoch", "train_loss", "accuracy", "test_loss", "seconds" };
        header.AddRange(store.Metadata.ClassNames.Select(n => "class_acc_" + n));
        WriteRow(w, header);
        foreach (var p in store.RecoveryPoints())
            WriteRow(w, [p.Run, p.Damage, I(p.Epoch), D(p.TrainLoss), D(p.Accuracy), D(p.TestLoss), D(p.Seconds), .. p.ClassAccuracy.Select(D)]);
        w.Flush();
    }

    public static void ToCsv(ResultStore store, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stream);
        var meta = store.Metadata;
        var (baseline, ablations) = Split(store);
        using var w = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
        var header = new List<string>
        {
            "key", "study", "layer", "units", "mode", "accuracy", "delta_accuracy", "mean_loss", "flipped_to_wrong", "flipped_to_right",
        };
        header.AddRange(meta.ClassNames.Select(n => "class_acc_" + n));
        header.AddRange(meta.ClassNames.Select(n => "delta_class_" + n));
        header.AddRange(["agreement", "kl", "top_score_change", "drift", "cosine"]);
        bool adaptive = meta.Adaptive is not null;
        if (adaptive) header.AddRange(["samples", "interval"]);
        WriteRow(w, header);

        var row = new List<string>(header.Count);
        foreach (var r in ablations)
        {
            var (toWrong, toRight) = Flips(baseline.Correct, r.Correct, meta.Samples);
            row.Clear();
            row.Add(r.Key);
            row.Add(r.Study);
            row.Add(LayerText(r));
            row.Add(string.Join(";", r.Units.Select(set => string.Join(" ", set.Units.Select(I)))));
            row.Add(r.Mode);
            row.Add(D(r.Accuracy));
            row.Add(D(r.Accuracy - baseline.Accuracy));
            row.Add(D(r.MeanLoss));
            row.Add(I(toWrong));
            row.Add(I(toRight));
            row.AddRange(r.ClassAccuracy.Select(D));
            row.AddRange(Deltas(r.ClassAccuracy, baseline.ClassAccuracy).Select(D));
            row.AddRange(r.Effect is { } e ? [D(e.Agreement), D(e.Kl), D(e.TopScoreChange), D(e.Drift), D(e.Cosine)] : ["", "", "", "", ""]);
            if (adaptive) row.AddRange([r.Samples is int n ? I(n) : "", r.Interval is double h ? D(h) : ""]);
            WriteRow(w, row);
        }
        // Layers a study left out: key "skipped:LAYER", the reason in the study column, no numbers.
        foreach (var (layer, reason) in store.Skipped())
        {
            row.Clear();
            row.AddRange(["skipped:" + layer, "skipped: " + reason, layer]);
            row.AddRange(Enumerable.Repeat("", header.Count - row.Count));
            WriteRow(w, row);
        }
        // Evaluation paths: key "path:LAYER", the path (and reason) in the study column, the layer.
        foreach (var (layer, path) in store.Paths())
        {
            row.Clear();
            row.AddRange(["path:" + layer, "path: " + path, layer]);
            row.AddRange(Enumerable.Repeat("", header.Count - row.Count));
            WriteRow(w, row);
        }
        // Unit orders of cumulative studies: key "order:STUDY", the study, no layer, the order in the units column.
        foreach (var (study, order) in store.Orders().OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            row.Clear();
            row.AddRange(["order:" + study, study, "", string.Join(" ", order.Select(I))]);
            row.AddRange(Enumerable.Repeat("", header.Count - row.Count));
            WriteRow(w, row);
        }
        w.Flush();
    }

    /// <summary>Samples per class, from the store's labels.</summary>
    internal static int[] ClassCounts(StoreMetadata meta)
    {
        var counts = new int[meta.Classes];
        foreach (int y in meta.Labels) counts[y]++;
        return counts;
    }

    /// <summary>Samples right in the baseline and wrong in the ablation, and the reverse.</summary>
    internal static (int ToWrong, int ToRight) Flips(byte[] baseline, byte[] ablated, int samples)
    {
        int toWrong = 0, toRight = 0;
        int bytes = (samples + 7) / 8;
        for (int i = 0; i < bytes; i++)
        {
            int mask = i == bytes - 1 && samples % 8 != 0 ? (1 << (samples % 8)) - 1 : 0xFF;
            int b = baseline[i] & mask, a = ablated[i] & mask;
            toWrong += BitOperations.PopCount((uint)(b & ~a));
            toRight += BitOperations.PopCount((uint)(~b & a & mask));
        }
        return (toWrong, toRight);
    }

    private static (AblationRecord Baseline, List<AblationRecord> Ablations) Split(ResultStore store)
    {
        var all = store.All();
        var baseline = all.FirstOrDefault(r => r.Key == AblationKey.Baseline)
            ?? throw new InvalidOperationException(
                $"{store.Path}: no baseline record (key \"{AblationKey.Baseline}\") in the store; deltas and flips need it. " +
                "Run the baseline evaluation into this store first.");
        return (baseline, all.Where(r => r.Key != AblationKey.Baseline).ToList());
    }

    private static string LayerText(AblationRecord r) => string.Join(";", r.Units.Select(u => u.Layer));

    private static double[] Deltas(double[] values, double[] baseline)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i] - baseline[i];
        return d;
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v);
            else w.WriteNullValue();
        }
        w.WriteEndArray();
    }

    private static void WriteRow(TextWriter w, IReadOnlyList<string> fields)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0) w.Write(',');
            w.Write(Csv(fields[i]));
        }
        w.WriteLine();
    }

    /// <summary>RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.</summary>
    internal static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Writes through a temporary file renamed into place, so a reader never sees half a file.</summary>
    private static void WriteFile(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
