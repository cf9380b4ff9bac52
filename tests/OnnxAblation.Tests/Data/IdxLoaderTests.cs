using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class IdxLoaderTests
{
    private static readonly Lazy<Dataset> T10k = new(() => DataSets.Load("idx:" + DataFixtures.FashionT10k));

    [Fact]
    public void FashionMnistTestSetLoads()
    {
        Dataset d = T10k.Value;
        Assert.Equal(10_000, d.Count);
        Assert.Equal([1, 28, 28], d.SampleShape);
        Assert.Equal(784, d.SampleSize);
        Assert.Equal(Enumerable.Repeat(1000, 10), d.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), d.ClassNames);
        Assert.Equal("idx:" + DataFixtures.FashionT10k, d.Spec);
        Assert.InRange(d.Features.Min(), 0f, 1f);
        Assert.InRange(d.Features.Max(), 0f, 1f);
        Assert.Equal(1f, d.Features.Max());
    }

    [Fact]
    public void LabelsAndPixelsMatchAnIndependentRead()
    {
        Dataset d = T10k.Value;
        byte[] labels = DataFixtures.ReadIdxLabels(DataFixtures.FashionT10k + "-labels-idx1-ubyte.gz");
        Assert.Equal(9, labels[0]); // the first t10k item is an ankle boot
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], labels[..10].Select(b => (int)b));
        Assert.Equal(labels.Select(b => (int)b), d.Labels);

        byte[] images = DataFixtures.ReadAllMaybeGzip(DataFixtures.FashionT10k + "-images-idx3-ubyte.gz");
        foreach (int i in new[] { 0, 1, 4_321, 9_999 })
            for (int p = 0; p < 784; p += 7)
                Assert.Equal(images[16 + i * 784 + p] / 255f, d.Sample(i)[p]);
    }

    [Fact]
    public void FashionMnistTrainSetLoads()
    {
        Dataset d = DataSets.Load("idx:" + Path.Combine(TestPaths.FashionMnist, "train"));
        Assert.Equal(60_000, d.Count);
        Assert.Equal(Enumerable.Repeat(6000, 10), d.ClassCounts());
        byte[] labels = DataFixtures.ReadIdxLabels(Path.Combine(TestPaths.FashionMnist, "train-labels-idx1-ubyte.gz"));
        Assert.Equal(labels[..100].Select(b => (int)b), d.Labels[..100]);
    }

    [Fact]
    public void UngzippedCopyLoadsIdentically()
    {
        using var tmp = new TempDir();
        foreach (string part in new[] { "images-idx3-ubyte", "labels-idx1-ubyte" })
            File.WriteAllBytes(tmp.File("t10k-" + part), DataFixtures.ReadAllMaybeGzip(DataFixtures.FashionT10k + "-" + part + ".gz"));

        Dataset plain = DataSets.Load("idx:" + tmp.File("t10k"));
        Assert.Equal(T10k.Value.Features, plain.Features);
        Assert.Equal(T10k.Value.Labels, plain.Labels);

        Dataset pair = DataSets.Load($"idx:{tmp.File("t10k-images-idx3-ubyte")},{tmp.File("t10k-labels-idx1-ubyte")}", limit: 5);
        Assert.Equal(5, pair.Count);
        Assert.Equal(T10k.Value.Features.AsSpan(0, 5 * 784).ToArray(), pair.Features);
        Assert.Equal(10, pair.ClassCount); // class count comes from all labels, not only the first 5
    }

    [Fact]
    public void LimitAndClassesOptions()
    {
        Dataset d = DataSets.Load("idx:" + DataFixtures.FashionT10k + "?limit=100&classes=fashion-mnist");
        Assert.Equal(100, d.Count);
        Assert.Equal("Ankle boot", d.ClassNames[d.Labels[0]]);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], d.ClassNames);
        Assert.Equal(T10k.Value.Features.AsSpan(0, 100 * 784).ToArray(), d.Features);

        Dataset overridden = DataSets.Load("idx:" + DataFixtures.FashionT10k + "?limit=100", limit: 7);
        Assert.Equal(7, overridden.Count);
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        string prefix = Path.Combine(TestPaths.FashionMnist, "nope");
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + prefix));
        Assert.Contains(prefix + "-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:/no/such/images,/no/such/labels"));
        Assert.Contains("/no/such/images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongMagicIsReported()
    {
        using var tmp = new TempDir();
        DataFixtures.WriteIdxImages(tmp.File("x-images-idx3-ubyte"), 0x00000801, 1, 2, 2, [0, 1, 2, 3]);
        DataFixtures.WriteIdxLabels(tmp.File("x-labels-idx1-ubyte"), [0]);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("x")));
        Assert.Contains("x-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
        Assert.Contains("magic number 0x00000801", e.Message, StringComparison.Ordinal);
        Assert.Contains("0x00000803", e.Message, StringComparison.Ordinal);

        // labels and images swapped
        e = Assert.Throws<DataFormatException>(() =>
            DataSets.Load($"idx:{DataFixtures.FashionT10k}-labels-idx1-ubyte.gz,{DataFixtures.FashionT10k}-images-idx3-ubyte.gz"));
        Assert.Contains("images-idx3-ubyte.gz", e.Message, StringComparison.Ordinal);
        Assert.Contains("magic number 0x00000803", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedFilesAreReported()
    {
        using var tmp = new TempDir();
        byte[] images = DataFixtures.ReadAllMaybeGzip(DataFixtures.FashionT10k + "-images-idx3-ubyte.gz");
        File.WriteAllBytes(tmp.File("cut-images-idx3-ubyte"), images[..(16 + 784 * 100 + 5)]);
        File.Copy(DataFixtures.FashionT10k + "-labels-idx1-ubyte.gz", tmp.File("cut-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("cut")));
        Assert.Contains("cut-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);

        // a cut gzip file is either corrupt or truncated, never a raw exception
        byte[] gz = File.ReadAllBytes(DataFixtures.FashionT10k + "-images-idx3-ubyte.gz");
        File.WriteAllBytes(tmp.File("cutgz-images-idx3-ubyte.gz"), gz[..(gz.Length / 2)]);
        File.Copy(DataFixtures.FashionT10k + "-labels-idx1-ubyte.gz", tmp.File("cutgz-labels-idx1-ubyte.gz"));
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("cutgz")));
        Assert.Contains("cutgz-images-idx3-ubyte.gz", e.Message, StringComparison.Ordinal);
        Assert.Matches("truncated|corrupt", e.Message);
    }

    [Fact]
    public void Headers_announcing_more_than_the_file_holds_are_refused_without_allocating_the_announced_size()
    {
        using var tmp = new TempDir();
        // labels: a 8-byte header announcing 2^31 - 1 labels, followed by 10
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, 0x00000801);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue);
        File.WriteAllBytes(tmp.File("big-labels-idx1-ubyte"), [.. header, .. new byte[10]]);
        DataFixtures.WriteIdxImages(tmp.File("big-images-idx3-ubyte"), 0x00000803, 1, 28, 28, new byte[784]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("big")));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("big-labels-idx1-ubyte", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes for a file of 18 bytes");

        // images: 1,000,000 labels, and an image header announcing 1,000,000 images of 28×28 (3 GB as floats) with 10 there
        DataFixtures.WriteIdxLabels(tmp.File("many-labels-idx1-ubyte"), new byte[1_000_000]);
        DataFixtures.WriteIdxImages(tmp.File("many-images-idx3-ubyte"), 0x00000803, 1_000_000, 28, 28, new byte[784 * 10]);
        before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("many")));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("many-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes for a file of {16 + 7840} bytes announcing 784,000,000 pixels");
    }

    [Fact]
    public void CountMismatchIsReported()
    {
        using var tmp = new TempDir();
        DataFixtures.WriteIdxImages(tmp.File("m-images-idx3-ubyte"), 0x00000803, 3, 2, 2, new byte[12]);
        DataFixtures.WriteIdxLabels(tmp.File("m-labels-idx1-ubyte"), [0, 1]);
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:" + tmp.File("m")));
        Assert.Contains("3 images", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallHandMadeFileScalesPixels()
    {
        using var tmp = new TempDir();
        DataFixtures.WriteIdxImages(tmp.File("s-images-idx3-ubyte"), 0x00000803, 2, 2, 3, [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 1]);
        DataFixtures.WriteIdxLabels(tmp.File("s-labels-idx1-ubyte"), [1, 3]);
        Dataset d = DataSets.Load("idx:" + tmp.File("s") + "?classes=a,b,c,d");
        Assert.Equal([1, 2, 3], d.SampleShape);
        Assert.Equal([0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f, 1f, 0f, 0f, 0f, 0f, 1 / 255f], d.Features);
        Assert.Equal([1, 3], d.Labels);
        Assert.Equal(["a", "b", "c", "d"], d.ClassNames);
    }
}
