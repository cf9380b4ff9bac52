using System.Globalization;
using System.Text;
using System.Text.Json;
using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Tests.Store;

public sealed class ResultExportTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 10 samples; class 2 has none (its accuracies are NaN → null).
    private static readonly int[] Labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];

    private static StoreMetadata Meta => StoreTestData.Meta(samples: 10, classes: 3, labels: Labels, names: ["T-shirt, top", "Trouser \"x\"", "Bag"]);

    private static byte[] Bits(params int[] correct)
    {
        var bits = new byte[2];
        foreach (int i in correct) bits[i >> 3] |= (byte)(1 << (i & 7));
        return bits;
    }

    /// <summary>Baseline right on all but samples 3 and 9: 0.8 overall, 3/4 and 5/6 per class.</summary>
    private static readonly AblationRecord Baseline = new()
    {
        Key = "baseline",
        Study = "baseline",
        Units = [],
        Mode = "none",
        Accuracy = 0.8,
        ClassAccuracy = [0.75, 5.0 / 6, double.NaN],
        MeanLoss = 0.5,
        ClassMeanLoss = [0.4, 0.6, double.NaN],
        Correct = Bits(0, 1, 2, 4, 5, 6, 7, 8),
    };

    /// <summary>Right on 0, 3, 4, 5, 9: five flips to wrong (1, 2, 6, 7, 8), two to right (3, 9).</summary>
    private static readonly AblationRecord Single = new()
    {
        Key = "zero-in|fc1:3,15",
        Study = "single",
        Units = [new UnitSet("fc1", [3, 15])],
        Mode = "zero-in",
        Accuracy = 0.5,
        ClassAccuracy = [0.5, 0.5, double.NaN],
        MeanLoss = 1.25,
        ClassMeanLoss = [1.0, 1.5, double.NaN],
        Correct = Bits(0, 3, 4, 5, 9),
    };

    /// <summary>Two layers; right on everything the baseline was plus sample 3 (one flip to right), infinite loss.</summary>
    private static readonly AblationRecord Group = new()
    {
        Key = "zero-in|fc1:1;fc2:0,2",
        Study = "group",
        Units = [new UnitSet("fc1", [1]), new UnitSet("fc2", [0, 2])],
        Mode = "zero-in",
        Accuracy = 0.9,
        ClassAccuracy = [1.0, 5.0 / 6, double.NaN],
        MeanLoss = double.PositiveInfinity,
        ClassMeanLoss = [0.1, double.PositiveInfinity, double.NaN],
        Correct = Bits(0, 1, 2, 3, 4, 5, 6, 7, 8),
        NonFinite = 1,
    };

    private ResultStore MakeStore(bool withBaseline = true)
    {
        var store = ResultStore.Open(Path.Combine(_dir, "r.sqlite"), Meta);
        store.Add(Single);
        if (withBaseline) store.Add(Baseline);
        store.Add(Group);
        return store;
    }

    [Fact]
    public void Json_has_the_documented_shape_and_values()
    {
        using var store = MakeStore();
        string path = Path.Combine(_dir, "out", "results.json");
        ResultExport.ToJson(store, path);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;

        Assert.Equal(["model", "model_sha256", "data", "data_limit", "samples", "classes", "class_names", "baseline", "ablations", "skipped", "paths", "recovery", "orders"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("/models/mlp.onnx", root.GetProperty("model").GetString());
        Assert.Equal(StoreTestData.Sha, root.GetProperty("model_sha256").GetString());
        Assert.Equal("npy:/data/x.npy,/data/y.npy", root.GetProperty("data").GetString());
        Assert.Equal(10, root.GetProperty("samples").GetInt32());
        Assert.Equal(3, root.GetProperty("classes").GetInt32());
        Assert.Equal(["T-shirt, top", "Trouser \"x\"", "Bag"], root.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()));

        var b = root.GetProperty("baseline");
        Assert.Equal(["accuracy", "class_accuracy", "class_count", "mean_loss"], b.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.8, b.GetProperty("accuracy").GetDouble());
        Assert.Equal([0.75, 5.0 / 6, double.NaN], Doubles(b.GetProperty("class_accuracy")));
        Assert.Equal([4, 6, 0], b.GetProperty("class_count").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0.5, b.GetProperty("mean_loss").GetDouble());

        var abl = root.GetProperty("ablations").EnumerateArray().ToList();
        Assert.Equal(2, abl.Count); // the baseline is not an ablation; insertion order kept

        var s = abl[0];
        Assert.Equal(["layer", "units", "mode", "study", "accuracy", "class_accuracy", "delta_accuracy", "delta_class_accuracy",
                "mean_loss", "class_mean_loss", "flipped_to_wrong", "flipped_to_right"],
            s.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fc1", s.GetProperty("layer").GetString());
        Assert.Equal([3, 15], s.GetProperty("units").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("zero-in", s.GetProperty("mode").GetString());
        Assert.Equal("single", s.GetProperty("study").GetString());
        Assert.Equal(0.5, s.GetProperty("accuracy").GetDouble());
        Assert.Equal([0.5, 0.5, double.NaN], Doubles(s.GetProperty("class_accuracy")));
        Assert.Equal(-0.3, s.GetProperty("delta_accuracy").GetDouble(), 12);
        var dca = Doubles(s.GetProperty("delta_class_accuracy"));
        Assert.Equal(-0.25, dca[0], 12);
        Assert.Equal(0.5 - 5.0 / 6, dca[1], 12);
        Assert.True(double.IsNaN(dca[2]));
        Assert.Equal(1.25, s.GetProperty("mean_loss").GetDouble());
        Assert.Equal([1.0, 1.5, double.NaN], Doubles(s.GetProperty("class_mean_loss")));
        Assert.Equal(5, s.GetProperty("flipped_to_wrong").GetInt32());
        Assert.Equal(2, s.GetProperty("flipped_to_right").GetInt32());

        var g = abl[1];
        Assert.Equal("fc1;fc2", g.GetProperty("layer").GetString());
        Assert.Equal([1, 0, 2], g.GetProperty("units").EnumerateArray().Select(e => e.GetInt32()));
        var groups = g.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal("fc2", groups[1].GetProperty("layer").GetString());
        Assert.Equal([0, 2], groups[1].GetProperty("units").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("group", g.GetProperty("study").GetString());
        Assert.Equal(JsonValueKind.Null, g.GetProperty("mean_loss").ValueKind); // ∞ has no JSON form
        Assert.Equal(0.1, g.GetProperty("delta_accuracy").GetDouble(), 12);
        Assert.Equal(0, g.GetProperty("flipped_to_wrong").GetInt32());
        Assert.Equal(1, g.GetProperty("flipped_to_right").GetInt32());
        Assert.False(File.Exists(path + ".tmp-" + Environment.ProcessId));
    }

    [Fact]
    public void Csv_has_the_documented_header_and_rows()
    {
        using var store = MakeStore();
        using var ms = new MemoryStream();
        ResultExport.ToCsv(store, ms);
        string text = Encoding.UTF8.GetString(ms.ToArray());
        var lines = text.Split("\r\n");
        Assert.Equal(4, lines.Length); // header, two rows, empty after the final CRLF
        Assert.Equal("", lines[3]);
        Assert.Equal(
            "key,study,layer,units,mode,accuracy,delta_accuracy,mean_loss,flipped_to_wrong,flipped_to_right," +
            "\"class_acc_T-shirt, top\",\"class_acc_Trouser \"\"x\"\"\",class_acc_Bag," +
            "\"delta_class_T-shirt, top\",\"delta_class_Trouser \"\"x\"\"\",delta_class_Bag,agreement,kl,top_score_change,drift,cosine",
            lines[0]);
        string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        Assert.Equal(
            $"\"zero-in|fc1:3,15\",single,fc1,3 15,zero-in,0.5,{R(0.5 - 0.8)},1.25,5,2,0.5,0.5,NaN,-0.25,{R(0.5 - 5.0 / 6)},NaN,,,,,",
            lines[1]);
        Assert.Equal(
            $"\"zero-in|fc1:1;fc2:0,2\",group,fc1;fc2,1;0 2,zero-in,0.9,{R(0.9 - 0.8)},Infinity,0,1,1,{R(5.0 / 6)},NaN,0.25,0,NaN,,,,,",
            lines[2]);
    }

    [Fact]
    public void Export_without_a_baseline_is_refused_clearly()
    {
        using var store = MakeStore(withBaseline: false);
        var ex = Assert.Throws<InvalidOperationException>(() => ResultExport.ToJson(store, new MemoryStream()));
        Assert.Contains("baseline", ex.Message, StringComparison.Ordinal);
        Assert.Contains(store.Path, ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ResultExport.ToCsv(store, new MemoryStream()));
    }

    [Fact]
    public void Flips_ignore_padding_bits()
    {
        // 10 samples: the last byte holds 2 real bits; garbage above them must not count.
        var (w, r) = ResultExport.Flips([0xFF, 0b1111_1111], [0xFF, 0b0000_0001], 10);
        Assert.Equal(1, w);
        Assert.Equal(0, r);
    }

    private static double[] Doubles(JsonElement array) =>
        array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();
}
