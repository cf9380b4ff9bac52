using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class BatchCopierTests
{
    /// <summary>Two samples of shape [C=2, H=2, W=3] holding 0..11 and 12..23.</summary>
    private static Dataset Small() =>
        new(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), [0, 1], [2, 2, 3], ["a", "b"], "test");

    [Fact]
    public void FlatAndNchwAreStraightCopies()
    {
        Dataset d = Small();
        var dst = new float[24];
        BatchCopier.Copy(d, 0, 2, TensorLayout.Nchw, dst);
        Assert.Equal(d.Features, dst);
        var one = new float[12];
        BatchCopier.Copy(d, 1, 1, TensorLayout.Flat, one);
        Assert.Equal(Enumerable.Range(12, 12).Select(i => (float)i), one);
    }

    [Fact]
    public void NhwcTransposesEachSample()
    {
        Dataset d = Small();
        var dst = new float[24];
        BatchCopier.Copy(d, 0, 2, TensorLayout.Nhwc, dst);
        // sample 0: c0 = [[0,1,2],[3,4,5]], c1 = [[6,7,8],[9,10,11]] → [h][w][c]
        float[] first = [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11];
        Assert.Equal(first, dst[..12]);
        Assert.Equal(first.Select(v => v + 12), dst[12..]);

        var second = new float[12];
        BatchCopier.Copy(d, 1, 1, TensorLayout.Nhwc, second);
        Assert.Equal(first.Select(v => v + 12), second);
        for (int h = 0; h < 2; h++)
            for (int w = 0; w < 3; w++)
                for (int c = 0; c < 2; c++)
                    Assert.Equal(d.Sample(1)[c * 6 + h * 3 + w], second[(h * 3 + w) * 2 + c]);
    }

    [Fact]
    public void CopyDoesNotAllocate()
    {
        Dataset d = Small();
        var dst = new float[24];
        BatchCopier.Copy(d, 0, 2, TensorLayout.Nhwc, dst);
        BatchCopier.Copy(d, 0, 2, TensorLayout.Nchw, dst);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            BatchCopier.Copy(d, 0, 2, TensorLayout.Nhwc, dst);
            BatchCopier.Copy(d, 1, 1, TensorLayout.Flat, dst);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void BadCopiesAreReported()
    {
        var flat = new Dataset(new float[8], [0, 0], [4], ["a"], "flat-set");
        var e = Assert.Throws<DataFormatException>(() => BatchCopier.Copy(flat, 0, 1, TensorLayout.Nhwc, new float[4]));
        Assert.Contains("flat-set", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchCopier.Copy(flat, 1, 2, TensorLayout.Flat, new float[8]));
        Assert.Throws<ArgumentException>(() => BatchCopier.Copy(flat, 0, 2, TensorLayout.Flat, new float[7]));
    }

    [Theory]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 784 }, TensorLayout.Flat)]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, -1 }, TensorLayout.Flat)]
    [InlineData(new[] { 784 }, new long[] { 1, 784 }, TensorLayout.Flat)]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 1, 28, 28 }, TensorLayout.Nchw)]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, -1, -1, -1 }, TensorLayout.Nchw)]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 28, 28, 1 }, TensorLayout.Nhwc)]
    [InlineData(new[] { 3, 32, 32 }, new long[] { 8, 32, 32, 3 }, TensorLayout.Nhwc)]
    [InlineData(new[] { 3, 32, 32 }, new long[] { 8, -1, -1, 3 }, TensorLayout.Nhwc)]
    [InlineData(new[] { 3, 3, 3 }, new long[] { 1, 3, 3, 3 }, TensorLayout.Nchw)]
    public void LayoutForPicksTheLayout(int[] sample, long[] model, TensorLayout expected) =>
        Assert.Equal(expected, BatchCopier.LayoutFor(sample, ToModelShape(model)));

    [Theory]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 100 }, "100 values per sample")]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 3, 28, 28 }, "neither [N,C,H,W] nor [N,H,W,C]")]
    [InlineData(new[] { 3, 32, 32 }, new long[] { 1, 3, 64, 3 }, "neither")]
    [InlineData(new[] { 784 }, new long[] { -1, 1, 28, 28 }, "needs [C,H,W] samples")]
    [InlineData(new[] { 1, 28, 28 }, new long[] { -1, 28, 28 }, "rank 2")]
    public void LayoutForMismatchStatesBothShapes(int[] sample, long[] model, string why)
    {
        var e = Assert.Throws<DataFormatException>(() => BatchCopier.LayoutFor(sample, ToModelShape(model)));
        Assert.Contains($"[{string.Join(",", sample)}]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[" + string.Join(",", model.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    /// <summary>-1 stands for a symbolic dimension (null) — attributes cannot hold long?[].</summary>
    private static long?[] ToModelShape(long[] dims) => dims.Select(d => d < 0 ? (long?)null : d).ToArray();
}
