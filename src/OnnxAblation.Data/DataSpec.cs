using System.Globalization;

namespace OnnxAblation.Data;

/// <summary>A parsed data spec <c>KIND:PATH[?key=value&amp;...]</c>.</summary>
internal sealed class DataSpec
{
    private DataSpec(string text, string kind, string path, Dictionary<string, string> options)
    {
        Text = text;
        Kind = kind;
        Path = path;
        Options = options;
    }

    /// <summary>The spec as given.</summary>
    public string Text { get; }

    public string Kind { get; }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Options { get; }

    public static DataSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DataFormatException($"Empty data spec; expected KIND:PATH[?key=value&...] with KIND one of {DataKinds.List}");
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            throw new DataFormatException($"Data spec '{text}': expected KIND:PATH[?key=value&...] with KIND one of {DataKinds.List}");
        string kind = text[..colon].Trim().ToLowerInvariant();
        string rest = text[(colon + 1)..];
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        string path = (question < 0 ? rest : rest[..question]).Trim();
        if (path.Length == 0)
            throw new DataFormatException($"Data spec '{text}': no path after '{kind}:'");
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (string pair in rest[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                    throw new DataFormatException($"Data spec '{text}': option '{pair}' is not key=value");
                string key = pair[..eq].Trim().ToLowerInvariant();
                if (!options.TryAdd(key, pair[(eq + 1)..].Trim()))
                    throw new DataFormatException($"Data spec '{text}': option '{key}' given twice");
            }
        }
        return new DataSpec(text, kind, path, options);
    }

    public string? Get(string key) => Options.TryGetValue(key, out string? v) ? v : null;

    /// <summary>Throws unless every option is one of <paramref name="valid"/>.</summary>
    public void CheckOptions(IReadOnlyCollection<string> valid)
    {
        foreach (string key in Options.Keys)
            if (!valid.Contains(key))
                throw new DataFormatException(
                    $"Data spec '{Text}': unknown option '{key}' for kind '{Kind}'; valid options: {string.Join(", ", valid)}");
    }

    public float GetFloat(string key, string value)
    {
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) || !float.IsFinite(f))
            throw new DataFormatException($"Data spec '{Text}': option {key}={value} is not a finite number");
        return f;
    }

    public float[] GetFloats(string key)
    {
        string value = Get(key) ?? throw new InvalidOperationException(key);
        string[] parts = value.Split(',');
        var result = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++) result[i] = GetFloat(key, parts[i].Trim());
        return result;
    }

    public int? GetPositiveInt(string key)
    {
        string? value = Get(key);
        if (value is null) return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
            throw new DataFormatException($"Data spec '{Text}': option {key}={value} is not a positive integer");
        return n;
    }

    /// <summary>The comma-separated paths of a spec (trimmed, non-empty).</summary>
    public string[] PathParts() =>
        Path.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
