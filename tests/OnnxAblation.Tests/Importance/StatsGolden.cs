using System.Text.Json;

namespace OnnxAblation.Tests.Importance;

/// <summary>SciPy values from tools/stats_golden_extra.py (Oracle/stats_golden_importance.json).</summary>
internal static class StatsGolden
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Oracle, "stats_golden_importance.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    public static JsonElement StatCase(string name) =>
        Root.GetProperty("stats").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<string> StatCaseNames(string having) =>
        Root.GetProperty("stats").EnumerateArray().Where(c => c.TryGetProperty(having, out _)).Select(c => c.GetProperty("name").GetString()!);

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static double Num(JsonElement e, string a, string b) =>
        e.GetProperty(a).GetProperty(b) is { ValueKind: JsonValueKind.Null } ? double.NaN : e.GetProperty(a).GetProperty(b).GetDouble();

    /// <summary>|actual − expected| ≤ rel·|expected| + abs.</summary>
    public static void Close(double expected, double actual, double rel, double abs = 0, string what = "")
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}"); return; }
        double tol = rel * Math.Abs(expected) + abs;
        Assert.True(Math.Abs(actual - expected) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:G3})");
    }
}
