using System.Globalization;

namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// The study an ablation was asked for by, typed; the one place its stored text form is written (<see cref="Format"/>)
/// and read back (<see cref="Parse"/>): "baseline", "single", "pairs", "layer", "group", "cumulative:LAYER:ORDER",
/// "cumulative-across:ORDER", "class-top:LAYER:cC:nN", "class-bottom:LAYER:cC:nN". A layer name may contain ':'
/// (the parameters after it never do). Orders: <see cref="RandomOrder"/> ("random-sS"), "impact", "impact-MEASURE",
/// "least-impact" (reversed), "metric-NAME".
/// </summary>
public sealed record StudyKey(StudyKind Kind, string? Layer = null, string? Order = null, int Class = 0, int Count = 0, string? Name = null)
{
    private const string CumulativePrefix = "cumulative:";
    private const string AcrossPrefix = "cumulative-across:";
    private const string ClassTopPrefix = "class-top:";
    private const string ClassBottomPrefix = "class-bottom:";
    private const string RandomPrefix = "random-s";

    public static StudyKey Baseline { get; } = new(StudyKind.Baseline);

    public static StudyKey Single { get; } = new(StudyKind.Single);

    public static StudyKey Pairs { get; } = new(StudyKind.Pairs);

    public static StudyKey WholeLayer { get; } = new(StudyKind.Layer);

    public static StudyKey Group { get; } = new(StudyKind.Group);

    public static StudyKey Cumulative(string layer, string order) => new(StudyKind.Cumulative, Layer: layer, Order: order);

    public static StudyKey Across(string order) => new(StudyKind.CumulativeAcross, Order: order);

    public static StudyKey ClassTop(string layer, int c, int n) => new(StudyKind.ClassTop, Layer: layer, Class: c, Count: n);

    public static StudyKey ClassBottom(string layer, int c, int n) => new(StudyKind.ClassBottom, Layer: layer, Class: c, Count: n);

    /// <summary>The name of the seeded random order <paramref name="seed"/> ("random-s1").</summary>
    public static string RandomOrder(int seed) => RandomPrefix + I(seed);

    /// <summary>The order by measured single-unit accuracy drop, most damaging first.</summary>
    public const string ImpactOrderName = "impact";

    /// <summary>The order by measured impact: <see cref="ImpactOrderName"/> for accuracy, "impact-MEASURE" for another measure.</summary>
    public static string ImpactOrder(string? measure) => measure is null ? ImpactOrderName : ImpactOrderName + "-" + measure;

    /// <summary>An order reversed, least damaging first (Michel et al.'s pruning order): "least-impact".</summary>
    public static string LeastFirst(string order) => "least-" + order;

    /// <summary>The order by a per-unit metric (correlate): "metric-NAME".</summary>
    public static string MetricOrder(string metric) => "metric-" + metric;

    /// <summary>Whether <paramref name="order"/> names a random order ("random-s…").</summary>
    public static bool IsRandomOrder(string order) => order.StartsWith(RandomPrefix, StringComparison.Ordinal);

    /// <summary>The seed of a random order (positive), or null for another order or none.</summary>
    public int? RandomSeed =>
        Order is { } o && o.StartsWith(RandomPrefix, StringComparison.Ordinal)
        && int.TryParse(o.AsSpan(RandomPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0
            ? s
            : null;

    /// <summary>The stored text.</summary>
    public string Format() => Kind switch
    {
        StudyKind.Baseline => "baseline",
        StudyKind.Single => "single",
        StudyKind.Pairs => "pairs",
        StudyKind.Layer => "layer",
        StudyKind.Group => "group",
        StudyKind.Cumulative => CumulativePrefix + Layer + ":" + Order,
        StudyKind.CumulativeAcross => AcrossPrefix + Order,
        StudyKind.ClassTop => ClassTopPrefix + Layer + ":c" + I(Class) + ":n" + I(Count),
        StudyKind.ClassBottom => ClassBottomPrefix + Layer + ":c" + I(Class) + ":n" + I(Count),
        _ => Name ?? "",
    };

    public override string ToString() => Format();

    /// <summary>Reads a stored study name; a name of no known form is kept as <see cref="StudyKind.Other"/>.</summary>
    public static StudyKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text)
        {
            case "baseline": return Baseline;
            case "single": return Single;
            case "pairs": return Pairs;
            case "layer": return WholeLayer;
            case "group": return Group;
        }
        if (text.StartsWith(AcrossPrefix, StringComparison.Ordinal)) return Across(text[AcrossPrefix.Length..]);
        if (text.StartsWith(CumulativePrefix, StringComparison.Ordinal))
        {
            string rest = text[CumulativePrefix.Length..];
            int colon = rest.LastIndexOf(':');
            if (colon > 0) return Cumulative(rest[..colon], rest[(colon + 1)..]);
        }
        foreach (var (prefix, kind) in new[] { (ClassTopPrefix, StudyKind.ClassTop), (ClassBottomPrefix, StudyKind.ClassBottom) })
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string rest = text[prefix.Length..];
            int n = rest.LastIndexOf(":n", StringComparison.Ordinal);
            int c = n > 0 ? rest.LastIndexOf(":c", n - 1, StringComparison.Ordinal) : -1;
            if (c > 0 && int.TryParse(rest.AsSpan(c + 2, n - c - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int cls)
                && int.TryParse(rest.AsSpan(n + 2), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
                return new StudyKey(kind, Layer: rest[..c], Class: cls, Count: count);
        }
        return new StudyKey(StudyKind.Other, Name: text);
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
