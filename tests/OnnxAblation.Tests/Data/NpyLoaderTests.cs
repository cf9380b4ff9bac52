using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class NpyLoaderTests
{
    private static string FixtureSpec(string options = "") =>
        $"npy:{DataFixtures.Fixture("small_inputs.npy")},{DataFixtures.Fixture("small_labels.npy")}{options}";

    /// <summary>
    /// Fixtures made once with NumPy 1.24:
    /// x = (np.arange(24, dtype=np.float32).reshape(4,2,3) * 0.5 - 1.0); y = np.array([2, 0, 1, 2], dtype=np.int64).
    /// </summary>
    [Fact]
    public void NumPyFixtureLoads()
    {
        Dataset d = DataSets.Load(FixtureSpec());
        Assert.Equal(4, d.Count);
        Assert.Equal([2, 3], d.SampleShape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i * 0.5f - 1f), d.Features);
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 1f, 1.5f], d.Sample(0).ToArray());
        Assert.Equal([2, 0, 1, 2], d.Labels);
        Assert.Equal(["0", "1", "2"], d.ClassNames);
        Assert.Equal(FixtureSpec(), d.Spec);
    }

    [Fact]
    public void ScaleMeanStdPerChannel()
    {
        // channel = axis 0 of the sample shape [2,3]: x*2, then (x - [1,2]) / [2,4]
        Dataset d = DataSets.Load(FixtureSpec("?scale=2&mean=1,2&std=2,4&limit=2&classes=cat,dog,eel,fox"));
        Assert.Equal(2, d.Count);
        float[] x = Enumerable.Range(0, 12).Select(i => i * 0.5f - 1f).ToArray();
        float[] expected = x.Select((v, i) => (v * 2 - (i % 6 < 3 ? 1f : 2f)) / (i % 6 < 3 ? 2f : 4f)).ToArray();
        Assert.Equal(expected, d.Features);
        Assert.Equal(["cat", "dog", "eel", "fox"], d.ClassNames);

        Dataset single = DataSets.Load(FixtureSpec("?mean=0.5&std=0.25"));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (i * 0.5f - 1f - 0.5f) / 0.25f), single.Features);
    }

    [Fact]
    public void OtherDtypesAndVersions()
    {
        using var tmp = new TempDir();
        NpyWriter.Write(tmp.File("f8.npy"), "<f8", [2, 2], NpyWriter.Bytes(0.25, -1.5, 3.0, 1e-3));
        NpyWriter.Write(tmp.File("u1.npy"), "|u1", [2, 2], [0, 255, 7, 128], major: 2);
        NpyWriter.Write(tmp.File("vec.npy"), "<f4", [2], NpyWriter.Bytes(1.5f, 2.5f), major: 3);
        NpyWriter.Write(tmp.File("l32.npy"), "<i4", [2], NpyWriter.Bytes(1, 0));
        NpyWriter.Write(tmp.File("lu8.npy"), "|u1", [2], [4, 0]);

        Dataset f8 = DataSets.Load($"npy:{tmp.File("f8.npy")},{tmp.File("l32.npy")}");
        Assert.Equal([0.25f, -1.5f, 3f, 1e-3f], f8.Features);
        Assert.Equal([2], f8.SampleShape);
        Assert.Equal([1, 0], f8.Labels);

        Dataset u1 = DataSets.Load($"npy:{tmp.File("u1.npy")},{tmp.File("lu8.npy")}");
        Assert.Equal([0f, 255f, 7f, 128f], u1.Features); // not rescaled
        Assert.Equal(5, u1.ClassCount);
        Dataset scaled = DataSets.Load($"npy:{tmp.File("u1.npy")},{tmp.File("lu8.npy")}?scale=0.5");
        Assert.Equal([0f, 127.5f, 3.5f, 64f], scaled.Features);

        Dataset vec = DataSets.Load($"npy: {tmp.File("vec.npy")} , {tmp.File("l32.npy")}");
        Assert.Equal([1], vec.SampleShape);
        Assert.Equal([1.5f, 2.5f], vec.Features);
    }

    [Fact]
    public void FortranOrderIsRejected()
    {
        using var tmp = new TempDir();
        NpyWriter.Write(tmp.File("f.npy"), "<f4", [2, 2], NpyWriter.Bytes(1f, 2f, 3f, 4f), fortran: true);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("f.npy")},{DataFixtures.Fixture("small_labels.npy")}"));
        Assert.Contains(tmp.File("f.npy"), e.Message, StringComparison.Ordinal);
        Assert.Contains("Fortran order", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), ", "bad .npy header")]
    [InlineData("{'descr': '<f4', 'shape': (2, 2), }", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "bad .npy header")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured dtypes")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "big-endian")]
    [InlineData("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 4), }", "unsupported input dtype '<i2'")]
    public void BadHeadersAreReported(string header, string expected)
    {
        using var tmp = new TempDir();
        NpyWriter.WriteRawHeader(tmp.File("bad.npy"), header, new byte[16]);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("bad.npy")},{DataFixtures.Fixture("small_labels.npy")}"));
        Assert.Contains(tmp.File("bad.npy"), e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadFilesAreReported()
    {
        using var tmp = new TempDir();
        string labels = DataFixtures.Fixture("small_labels.npy");
        File.WriteAllText(tmp.File("text.npy"), "hello, not numpy");
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("text.npy")},{labels}"));
        Assert.Contains("not a NumPy .npy file", e.Message, StringComparison.Ordinal);

        NpyWriter.Write(tmp.File("short.npy"), "<f4", [4, 3], NpyWriter.Bytes(1f, 2f, 3f));
        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("short.npy")},{labels}"));
        Assert.Contains("short.npy': file is truncated", e.Message, StringComparison.Ordinal);

        NpyWriter.Write(tmp.File("three.npy"), "<f4", [3], NpyWriter.Bytes(1f, 2f, 3f));
        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("three.npy")},{labels}"));
        Assert.Contains("3 samples", e.Message, StringComparison.Ordinal);
        Assert.Contains("4 labels", e.Message, StringComparison.Ordinal);

        NpyWriter.Write(tmp.File("flabels.npy"), "<f4", [3], NpyWriter.Bytes(1f, 2f, 3f));
        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("three.npy")},{tmp.File("flabels.npy")}"));
        Assert.Contains("integer dtype", e.Message, StringComparison.Ordinal);

        NpyWriter.Write(tmp.File("neg.npy"), "<i8", [3], NpyWriter.Bytes(0L, -1L, 2L));
        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("three.npy")},{tmp.File("neg.npy")}"));
        Assert.Contains("label 1 is -1", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{tmp.File("missing.npy")},{labels}"));
        Assert.Contains($"file not found: '{tmp.File("missing.npy")}'", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{labels},{labels},{labels}"));
        Assert.Contains("INPUTS.npy,LABELS.npy", e.Message, StringComparison.Ordinal);
    }
}
