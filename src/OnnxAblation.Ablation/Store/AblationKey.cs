using System.Globalization;

namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The content key of an evaluation, the one place its text form is written and read: "MODE|LAYER:U,U;LAYER:U"
/// (unit sets in layer order, units ascending; e.g. "zero-in|fc1:3,15"), or <see cref="Baseline"/> for the intact model.
/// Two studies asking for the same ablation get the same key, so it is evaluated once.
/// </summary>
public sealed record AblationKey(string Mode, IReadOnlyList<UnitSet> Sets)
{
    /// <summary>Key of the baseline record (no units) that deltas and flips are computed against.</summary>
    public const string Baseline = "baseline";

    private const char ModeSeparator = '|';

    /// <summary>The key text of <paramref name="sets"/> (already normalised) under <paramref name="mode"/>; the baseline for no sets.</summary>
    public static string Format(string mode, IEnumerable<UnitSet> sets)
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(sets);
        var parts = sets.Select(s => s.ToString()).ToList();
        return parts.Count == 0 ? Baseline : mode + ModeSeparator + string.Join(";", parts);
    }

    /// <summary>The key of one layer's <paramref name="units"/> (given in key order).</summary>
    public static string Format(string mode, string layer, IReadOnlyList<int> units) => Format(mode, [new UnitSet(layer, units)]);

    public override string ToString() => Format(Mode, Sets);

    /// <summary>The mode part of a key ("" for the baseline or a key without one).</summary>
    public static string ModeOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int bar = key.IndexOf(ModeSeparator, StringComparison.Ordinal);
        return bar < 0 ? "" : key[..bar];
    }

    /// <summary>Reads a key text back; false for text that is not one (the baseline parses to no sets).</summary>
    public static bool TryParse(string? text, out AblationKey? key)
    {
        key = null;
        if (text is null) return false;
        if (text == Baseline)
        {
            key = new AblationKey("", []);
            return true;
        }
        int bar = text.IndexOf(ModeSeparator, StringComparison.Ordinal);
        if (bar <= 0) return false;
        var sets = new List<UnitSet>();
        foreach (var part in text[(bar + 1)..].Split(';'))
        {
            int colon = part.LastIndexOf(':');
            if (colon <= 0) return false;
            var units = new List<int>();
            foreach (var u in part[(colon + 1)..].Split(','))
            {
                if (!int.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return false;
                units.Add(v);
            }
            sets.Add(new UnitSet(part[..colon], units));
        }
        key = new AblationKey(text[..bar], sets);
        return true;
    }
}
