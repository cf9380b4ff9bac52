using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The JSON columns of a store. JSON has no NaN or infinities, so in the store NaN is written as null
/// (class accuracy of a class without samples) and ±∞ as the strings "Infinity" / "-Infinity" (the mean loss
/// of an evaluation with non-finite outputs); both decode back to the same double, so records round-trip exactly.
/// </summary>
internal static class StoreJson
{
    public static string Doubles(IReadOnlyList<double> values) => Write(w => WriteDoubles(w, values));

    public static string Strings(IReadOnlyList<string> values) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var s in values) w.WriteStringValue(s);
        w.WriteEndArray();
    });

    public static string Ints(IReadOnlyList<int> values) => Write(w =>
    {
        w.WriteStartArray();
        foreach (int v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    });

    public static string Map(IReadOnlyDictionary<string, string> values) => Write(w =>
    {
        w.WriteStartObject();
        foreach (var (k, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(k, v);
        w.WriteEndObject();
    });

    public static string Units(IReadOnlyList<UnitSet> units) => Write(w => WriteUnits(w, units));

    /// <summary>Writes [{"layer": …, "units": […]}, …] at the writer's position (store column and JSON export alike).</summary>
    public static void WriteUnits(Utf8JsonWriter w, IReadOnlyList<UnitSet> units)
    {
        w.WriteStartArray();
        foreach (var set in units)
        {
            w.WriteStartObject();
            w.WriteString("layer", set.Layer);
            w.WriteStartArray("units");
            foreach (int u in set.Units) w.WriteNumberValue(u);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WriteDoubles(Utf8JsonWriter w, IReadOnlyList<double> values)
    {
        w.WriteStartArray();
        foreach (double v in values) WriteDouble(w, v);
        w.WriteEndArray();
    }

    public static void WriteDouble(Utf8JsonWriter w, double v)
    {
        if (double.IsNaN(v)) w.WriteNullValue();
        else if (double.IsPositiveInfinity(v)) w.WriteStringValue("Infinity");
        else if (double.IsNegativeInfinity(v)) w.WriteStringValue("-Infinity");
        else w.WriteNumberValue(v);
    }

    /// <summary>An effect as one array: [agreement, kl, top score change, drift, cosine, class agreement…].</summary>
    public static string Effect(Runtime.IntactEffect e) =>
        Doubles([e.Agreement, e.Kl, e.TopScoreChange, e.Drift, e.Cosine, .. e.ClassAgreement]);

    public static Runtime.IntactEffect ParseEffect(string json)
    {
        var v = ParseDoubles(json);
        if (v.Length < 5) throw new FormatException($"effect '{json}' has {v.Length} values, expected at least 5");
        return new Runtime.IntactEffect { Agreement = v[0], Kl = v[1], TopScoreChange = v[2], Drift = v[3], Cosine = v[4], ClassAgreement = v[5..] };
    }

    public static double[] ParseDoubles(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Array) throw new FormatException("expected a JSON array of numbers");
        var result = new double[root.GetArrayLength()];
        int i = 0;
        foreach (var e in root.EnumerateArray()) result[i++] = ReadDouble(e);
        return result;
    }

    public static double ReadDouble(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => double.NaN,
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when e.GetString() == "Infinity" => double.PositiveInfinity,
        JsonValueKind.String when e.GetString() == "-Infinity" => double.NegativeInfinity,
        _ => throw new FormatException($"expected a number, null or \"Infinity\", found {e.GetRawText()}"),
    };

    public static string[] ParseStrings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray()
            .Select(e => e.GetString() ?? throw new FormatException("null in a list of strings"))
            .ToArray();
    }

    public static int[] ParseInts(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var result = new int[root.GetArrayLength()];
        int i = 0;
        foreach (var e in root.EnumerateArray()) result[i++] = e.GetInt32();
        return result;
    }

    public static Dictionary<string, string> ParseMap(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
            result[p.Name] = p.Value.GetString() ?? throw new FormatException($"null value for '{p.Name}'");
        return result;
    }

    public static UnitSet[] ParseUnits(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var sets = new List<UnitSet>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string layer = e.GetProperty("layer").GetString() ?? throw new FormatException("null layer name");
            var units = e.GetProperty("units").EnumerateArray().Select(u => u.GetInt32()).ToArray();
            sets.Add(new UnitSet(layer, units));
        }
        return sets.ToArray();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
            body(w);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
