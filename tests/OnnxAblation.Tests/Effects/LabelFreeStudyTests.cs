using System.Text.Json;
using Microsoft.Data.Sqlite;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Tests.Data;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Effects;

/// <summary>
/// Studies without labels and on outputs that are not class scores: unlabelled inputs get the intact model's
/// predictions as labels; a backbone's features are studied by their drift; older stores are migrated.
/// </summary>
public class LabelFreeStudyTests
{
    private const string Fashion = "idx:/usr/share/datasets/fashion-mnist/t10k";

    [Fact]
    public void Inputs_without_labels_load_from_npy_idx_and_image_folders()
    {
        using var dir = new TempDir();
        var all = DataSets.Load(Fashion, 12);
        string x = dir.File("x.npy");
        NpyWriter.Write(x, "<f4", [12, 1, 28, 28], NpyWriter.Bytes(all.Features));
        var npy = DataSets.Load($"npy:{x}");
        Assert.False(npy.IsLabelled);
        Assert.Equal(all.Features, npy.Features);

        // IDX images whose labels file is absent
        string prefix = dir.File("t10k");
        File.Copy("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", prefix + "-images-idx3-ubyte.gz");
        var idx = DataSets.Load($"idx:{prefix}", 12);
        Assert.False(idx.IsLabelled);
        Assert.Equal(all.Features, idx.Features);

        // an image folder without class sub-folders
        string images = dir.Dir("loose");
        for (int i = 0; i < 3; i++)
        {
            using var bitmap = new SkiaSharp.SKBitmap(4, 4);
            bitmap.Erase(new SkiaSharp.SKColor((byte)(i * 40), 0, 0));
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(images, $"{i}.png"), png.ToArray());
        }
        var folder = DataSets.Load($"images:{images}");
        Assert.False(folder.IsLabelled);
        Assert.Equal(3, folder.Count);
    }

    [Fact]
    public void A_sweep_on_unlabelled_inputs_measures_agreement_with_the_intact_model()
    {
        using var dir = new TempDir();
        var all = DataSets.Load(Fashion, 60);
        string x = dir.File("x.npy"), json = dir.File("s.json");
        NpyWriter.Write(x, "<f4", [60, 1, 28, 28], NpyWriter.Bytes(all.Features));
        var (code, _, err) = CliProcess.Run("sweep", TestPaths.Model("fmnist-vgg/model-folded.onnx"), "--data", $"npy:{x}",
            "--layers", "/conv5/Conv", "--store", dir.File("s.db"), "--json", json, "--impact", "agreement");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1.0, doc.RootElement.GetProperty("baseline").GetProperty("accuracy").GetDouble());
        foreach (var a in doc.RootElement.GetProperty("ablations").EnumerateArray())
            Assert.Equal(a.GetProperty("accuracy").GetDouble(), a.GetProperty("agreement").GetDouble(), 12); // accuracy against the model's own labels is agreement
        using var store = ResultStore.OpenExisting(dir.File("s.db"));
        Assert.StartsWith("none", store.Metadata.Extra["labels"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_backbone_whose_output_is_features_is_studied_by_drift()
    {
        var b = new GraphBuilder().Input("x", -1, 1, 28, 28).Output("y", -1, 4);
        var rng = new Random(3);
        string c = b.Node("Conv", ["x", b.Init("w", [4, 1, 3, 3], Enumerable.Range(0, 36).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray()), b.Init("bias", [4], 0.1f, 0.2f, 0.3f, 0.4f)], name: "conv", attributes: ("pads", new long[] { 1, 1, 1, 1 }));
        string c2 = b.Node("Conv", [b.Node("Relu", [c]), b.Init("w2", [4, 4, 1, 1], Enumerable.Range(0, 16).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray())], name: "conv2");
        b.Node("Flatten", [b.Node("GlobalAveragePool", [b.Node("Relu", [b.Node("Add", [c2, "x"], name: "residual")])], name: "pool")], output: "y");
        using var dir = new TempDir();
        string path = dir.File("backbone.onnx"), json = dir.File("s.json");
        b.Build().Save(path);
        var (code, _, err) = CliProcess.Run("study", path, "--data", Fashion, "--limit", "40", "--store", dir.File("s.db"), "--json", json, "--pairs", "none", "--class-top", "1", "--cumulative-seeds", "1");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var ablations = doc.RootElement.GetProperty("ablations").EnumerateArray().ToList();
        Assert.Contains(ablations, a => a.GetProperty("study").GetString() == "cumulative:conv:impact-drift");
        Assert.All(ablations, a => Assert.True(a.GetProperty("drift").GetDouble() >= 0));
        Assert.Contains(ablations, a => a.GetProperty("drift").GetDouble() > 0);
        Assert.All(ablations, a => Assert.Equal(JsonValueKind.Null, a.GetProperty("accuracy").ValueKind));
    }

    [Fact]
    public void A_version_1_store_is_migrated_on_open_and_keeps_its_results()
    {
        using var dir = new TempDir();
        string path = dir.File("v1.db");
        var meta = Store.StoreTestData.Meta();
        using (var store = ResultStore.Open(path, meta))
            store.Add(Store.StoreTestData.Baseline(meta));
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "ALTER TABLE ablations DROP COLUMN effect; ALTER TABLE ablations DROP COLUMN samples; ALTER TABLE ablations DROP COLUMN interval; UPDATE meta SET value = '1' WHERE key = 'schema_version';";
            cmd.ExecuteNonQuery();
        }
        using var reopened = ResultStore.Open(path, meta);
        Assert.Single(reopened.All());
        Assert.Null(reopened.All()[0].Effect);
        reopened.Add(Store.StoreTestData.Record(meta, "zero-in|fc1:1", 2) with { Effect = new OnnxAblation.Runtime.IntactEffect { Agreement = 0.5, ClassAgreement = [1, double.NaN], Kl = 0.25, TopScoreChange = -1, Drift = 0.125, Cosine = 0.9 } });
        var e = reopened.Get("zero-in|fc1:1")!.Effect!;
        Assert.Equal(0.125, e.Drift);
        Assert.True(double.IsNaN(e.ClassAgreement[1]));
    }
}
