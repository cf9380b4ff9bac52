using Microsoft.ML;
using Microsoft.ML.Data;
using OnnxAblation.Data;

namespace OnnxAblation.Tests.Data;

public sealed class MlNetDataTests
{
    private sealed class TextRow
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class IntRow
    {
        [VectorType(4)]
        public float[] Pixels { get; set; } = [];

        public int Digit { get; set; }
    }

    private sealed class ScalarRow
    {
        public float Value { get; set; }

        public bool Flag { get; set; }
    }

    private sealed class SparseRow
    {
        [VectorType(4)]
        public VBuffer<float> Features { get; set; }

        public long Label { get; set; }
    }

    private static readonly MLContext Ml = new(seed: 1);

    [Fact]
    public void KeyTypedLabelsUseKeyValueNames()
    {
        TextRow[] rows =
        [
            new() { Features = [1, 2, 3, 4], Label = "bird" },
            new() { Features = [5, 6, 7, 8], Label = "ant" },
            new() { Features = [9, 10, 11, 12], Label = "bird" },
            new() { Features = [0, 0, 0, 1], Label = "cat" },
        ];
        IDataView view = Ml.Data.LoadFromEnumerable(rows);
        IDataView keyed = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);

        Dataset d = MlNetData.FromDataView(keyed);
        Assert.Equal(4, d.Count);
        Assert.Equal([4], d.SampleShape);
        Assert.Equal(["bird", "ant", "cat"], d.ClassNames); // key order = order of first occurrence
        Assert.Equal([0, 1, 0, 2], d.Labels);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (float)i).Concat([0f, 0f, 0f, 1f]), d.Features);

        Dataset shaped = MlNetData.FromDataView(keyed, sampleShape: [1, 2, 2], classNames: ["B", "A", "C"]);
        Assert.Equal([1, 2, 2], shaped.SampleShape);
        Assert.Equal(["B", "A", "C"], shaped.ClassNames);

        var e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(keyed, classNames: ["x", "y"]));
        Assert.Contains("2 class names", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 key values", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerLabelsAndCustomColumns()
    {
        IntRow[] rows =
        [
            new() { Pixels = [0.5f, 0, 0, 0], Digit = 2 },
            new() { Pixels = [0, 0.25f, 0, 0], Digit = 0 },
        ];
        Dataset d = MlNetData.FromDataView(Ml.Data.LoadFromEnumerable(rows), "Pixels", "Digit");
        Assert.Equal([2, 0], d.Labels);
        Assert.Equal(["0", "1", "2"], d.ClassNames);
        Assert.Equal([0.5f, 0, 0, 0, 0, 0.25f, 0, 0], d.Features);
        Assert.Equal("mlnet:Pixels,Digit", d.Spec);
    }

    [Fact]
    public void ScalarFeaturesAndBoolLabels()
    {
        ScalarRow[] rows = [new() { Value = 3, Flag = true }, new() { Value = -1, Flag = false }];
        Dataset d = MlNetData.FromDataView(Ml.Data.LoadFromEnumerable(rows), "Value", "Flag", classNames: ["no", "yes"]);
        Assert.Equal([1], d.SampleShape);
        Assert.Equal([3f, -1f], d.Features);
        Assert.Equal([1, 0], d.Labels);
        Assert.Equal(["no", "yes"], d.ClassNames);
    }

    [Fact]
    public void SparseVectorsAreMadeDense()
    {
        SparseRow[] rows =
        [
            new() { Features = new VBuffer<float>(4, 1, [7f], [2]), Label = 1 },
            new() { Features = new VBuffer<float>(4, [1f, 2f, 3f, 4f]), Label = 0 },
        ];
        Dataset d = MlNetData.FromDataView(Ml.Data.LoadFromEnumerable(rows));
        Assert.Equal([0f, 0f, 7f, 0f, 1f, 2f, 3f, 4f], d.Features);
        Assert.Equal([1, 0], d.Labels);
    }

    [Fact]
    public void BadColumnsAreReported()
    {
        IDataView view = Ml.Data.LoadFromEnumerable(new[] { new IntRow { Pixels = [1, 2, 3, 4], Digit = 1 } });
        var e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(view));
        Assert.Contains("no features column 'Features'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Pixels", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(view, "Digit", "Digit"));
        Assert.Contains("features column 'Digit' has type", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(view, "Pixels", "Digit", sampleShape: [3, 3]));
        Assert.Contains("sampleShape [3,3]", e.Message, StringComparison.Ordinal);

        IDataView text = Ml.Data.LoadFromEnumerable(new[] { new TextRow { Features = [1, 2, 3, 4], Label = "x" } });
        e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(text));
        Assert.Contains("label column 'Label' has type", e.Message, StringComparison.Ordinal);
        Assert.Contains("MapValueToKey", e.Message, StringComparison.Ordinal);

        ScalarRow[] negative = [new() { Value = -2 }];
        e = Assert.Throws<DataFormatException>(() => MlNetData.FromDataView(Ml.Data.LoadFromEnumerable(negative), "Value", "Value"));
        Assert.Contains("row 0 has label -2", e.Message, StringComparison.Ordinal);
    }
}
