using OnnxAblation.Data;
using SkiaSharp;

namespace OnnxAblation.Tests.Data;

public sealed class ImageFolderLoaderTests
{
    private static float Gray(int r, int g, int b) => ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255f;

    private static void Write(string path, int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using SKData data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>blue/ (2 PNG 3×2), green/ (1 JPEG 3×2), red/ (1 PNG 3×2 with a per-pixel pattern) + a stray text file.</summary>
    private static TempDir MakeFolder(bool oddSize = false)
    {
        var tmp = new TempDir();
        Write(Path.Combine(tmp.Dir("blue"), "b1.png"), 3, 2, (_, _) => new SKColor(0, 0, 255), SKEncodedImageFormat.Png);
        Write(Path.Combine(tmp.Dir("blue"), "a0.png"), 3, 2, (_, _) => new SKColor(0, 0, 128), SKEncodedImageFormat.Png);
        Write(Path.Combine(tmp.Dir("green"), "g.jpg"), oddSize ? 5 : 3, oddSize ? 4 : 2, (_, _) => new SKColor(0, 200, 0), SKEncodedImageFormat.Jpeg);
        Write(Path.Combine(tmp.Dir("red"), "r.png"), 3, 2, (x, y) => new SKColor((byte)(10 * x + 100 * y), 7, 0), SKEncodedImageFormat.Png);
        File.WriteAllText(Path.Combine(tmp.Dir("red"), "notes.txt"), "not an image");
        return tmp;
    }

    [Fact]
    public void GrayLoadsFoldersAsClasses()
    {
        using TempDir tmp = MakeFolder();
        Dataset d = DataSets.Load("images:" + tmp.Path);
        Assert.Equal(["blue", "green", "red"], d.ClassNames);
        Assert.Equal([0, 0, 1, 2], d.Labels);
        Assert.Equal([1, 2, 3], d.SampleShape);
        Assert.All(d.Sample(0).ToArray(), v => Assert.Equal(Gray(0, 0, 128), v)); // a0.png sorts before b1.png
        Assert.All(d.Sample(1).ToArray(), v => Assert.Equal(Gray(0, 0, 255), v));
        Assert.All(d.Sample(2).ToArray(), v => Assert.InRange(v, Gray(0, 190, 0), Gray(0, 210, 0))); // JPEG is lossy
        float[] red = d.Sample(3).ToArray();
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                Assert.Equal(Gray(10 * x + 100 * y, 7, 0), red[y * 3 + x]);
    }

    [Fact]
    public void RgbIsChannelsFirst()
    {
        using TempDir tmp = MakeFolder();
        Dataset d = DataSets.Load("images:" + tmp.Path + "?color=rgb");
        Assert.Equal([3, 2, 3], d.SampleShape);
        float[] blue = d.Sample(1).ToArray();
        Assert.Equal(Enumerable.Repeat(0f, 12).Concat(Enumerable.Repeat(1f, 6)), blue);
        float[] red = d.Sample(3).ToArray();
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
            {
                Assert.Equal((10 * x + 100 * y) / 255f, red[0 * 6 + y * 3 + x]);
                Assert.Equal(7 / 255f, red[1 * 6 + y * 3 + x]);
                Assert.Equal(0f, red[2 * 6 + y * 3 + x]);
            }
    }

    [Fact]
    public void DifferentSizesNeedTheSizeOption()
    {
        using TempDir tmp = MakeFolder(oddSize: true);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path));
        Assert.Contains("g.jpg' is 5×4", e.Message, StringComparison.Ordinal);
        Assert.Contains("size=WxH", e.Message, StringComparison.Ordinal);

        Dataset d = DataSets.Load("images:" + tmp.Path + "?size=4x2&color=rgb&classes=B,G,R");
        Assert.Equal([3, 2, 4], d.SampleShape);
        Assert.Equal(["B", "G", "R"], d.ClassNames);
        Assert.All(d.Sample(1).ToArray().AsSpan(16, 8).ToArray(), v => Assert.Equal(1f, v)); // solid blue stays blue
        float[] green = d.Sample(2).ToArray();
        Assert.All(green.AsSpan(8, 8).ToArray(), v => Assert.InRange(v, 190 / 255f, 210 / 255f));
        Assert.All(green.AsSpan(0, 8).ToArray(), v => Assert.InRange(v, 0f, 10 / 255f));
    }

    [Fact]
    public void BadFoldersAndOptionsAreReported()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path));
        Assert.Contains("no class sub-folders", e.Message, StringComparison.Ordinal);

        string cls = tmp.Dir("only");
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path));
        Assert.Contains(cls, e.Message, StringComparison.Ordinal);
        Assert.Contains("no PNG or JPEG", e.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(cls, "broken.png"), "not really a png");
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path));
        Assert.Contains("broken.png': cannot decode", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path + "?color=cmyk"));
        Assert.Contains("color=cmyk", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:" + tmp.Path + "?size=28"));
        Assert.Contains("size=28", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:/no/such/folder"));
        Assert.Contains("directory not found: '/no/such/folder'", e.Message, StringComparison.Ordinal);
    }
}
