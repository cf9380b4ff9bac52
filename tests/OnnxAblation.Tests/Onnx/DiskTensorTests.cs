using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Requests;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Onnx;

/// <summary>
/// A model over the in-memory limit keeps its external tensors on disk (read on demand, fed to ONNX Runtime from one
/// shared mapping): everything the engine does with it equals the same model held in memory.
/// </summary>
public class DiskTensorTests
{
    private static readonly OnnxLoadOptions OnDisk = new() { InMemoryLimitBytes = 0 };

    /// <summary>The model saved with external data into a new directory; returns the new model path.</summary>
    private static string External(string model)
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "model.onnx");
        OnnxModel.Load(model).Save(path, new OnnxSaveOptions { ExternalData = true });
        return path;
    }

    [Fact]
    public void Tensors_kept_on_disk_read_the_same_values_and_give_the_same_outputs()
    {
        string path = External(TestPaths.Model("fmnist-vgg/model-bn.onnx"));
        var memory = OnnxModel.Load(path);
        var disk = OnnxModel.Load(path, OnDisk);
        Assert.False(memory.HasDataOnDisk);
        Assert.True(disk.HasDataOnDisk);
        Assert.True(disk.ToBytes().Length < memory.ToBytes().Length / 10, "the tensors stay references");
        foreach (var t in memory.Graph.Initializer) Assert.Equal(memory.GetInitializer(t.Name), disk.GetInitializer(t.Name));

        var rng = new Random(3);
        var x = Enumerable.Range(0, 40 * 784).Select(_ => (float)rng.NextDouble()).ToArray();
        var a = Run.Outputs(memory, x, [1, 28, 28]);
        var b = Run.Outputs(disk, x, [1, 28, 28]);
        // Weights fed as inputs are not folded into fused kernels, so the last bits may differ; the values do not.
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4f * Math.Max(1, Math.Abs(a[i])), $"output {i}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void A_sweep_of_a_model_on_disk_equals_the_sweep_in_memory_on_both_paths()
    {
        string path = External(TestPaths.Model("fmnist-mlp/model.onnx"));
        var data = DataSets.Load($"idx:{TestPaths.FashionMnist}/t10k", 300);
        List<global::OnnxAblation.Ablation.Store.AblationRecord> Sweep(OnnxModel model, bool reference)
        {
            var session = AblationSession.Open(model, data, new SessionOptions());
            using var result = session.Sweep(new SweepRequest { StorePath = Path.Combine(TestPaths.NewTempDirectory(), "s.db"), ExactReference = reference });
            return result.Context.Store.All().OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        }
        var memory = Sweep(OnnxModel.Load(path), reference: false);
        var fast = Sweep(OnnxModel.Load(path, OnDisk), reference: false);
        var reference = Sweep(OnnxModel.Load(path, OnDisk), reference: true);
        Assert.True(memory.Count > 50, $"{memory.Count} results");
        Assert.Equal(memory.Select(r => r.Key), fast.Select(r => r.Key));
        Assert.Equal(memory.Select(r => r.Key), reference.Select(r => r.Key));
        for (int i = 0; i < memory.Count; i++)
        {
            Assert.Equal(memory[i].Correct, fast[i].Correct);      // the same samples right and wrong, so the same accuracies
            Assert.Equal(memory[i].Correct, reference[i].Correct);
            Assert.Equal(memory[i].MeanLoss, fast[i].MeanLoss, 4);
        }
    }

    [Fact]
    public void Saving_copies_tensors_kept_on_disk_and_the_copy_equals_the_edited_model()
    {
        string path = External(TestPaths.Model("fmnist-mlp/model.onnx"));
        var disk = OnnxModel.Load(path, OnDisk);
        var memory = OnnxModel.Load(path);
        string weight = disk.Graph.Initializer.OrderByDescending(TensorCodec.ElementCount).First().Name;
        var edited = disk.GetInitializer(weight);
        edited.AsSpan(0, 100).Clear();
        disk.SetInitializer(weight, edited);
        memory.SetInitializer(weight, edited);

        string copy = Path.Combine(TestPaths.NewTempDirectory(), "ablated.onnx");
        disk.Save(copy);
        Assert.True(File.Exists(copy + ".data"), "a model with tensors on disk is written with external data");
        var back = OnnxModel.Load(copy);
        foreach (var t in memory.Graph.Initializer) Assert.Equal(memory.GetInitializer(t.Name), back.GetInitializer(t.Name));
        Assert.Equal(memory.Sha256(), back.Sha256());

        // Its own side file cannot be the target: writing it would destroy the weights being copied.
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path, OnDisk).Save(path));
        Assert.Contains("Save to another file name", e.Message, StringComparison.Ordinal);
        Assert.Equal(memory.GetInitializer(weight).Length, OnnxModel.Load(path).GetInitializer(weight).Length);
    }

    [Fact]
    public void The_hash_of_a_model_on_disk_follows_its_bytes_not_where_its_files_are()
    {
        string path = External(TestPaths.Model("mnist-mlp-20-10/model.onnx"));
        string moved = Path.Combine(TestPaths.NewTempDirectory(), "model.onnx");
        File.Copy(path, moved);
        File.Copy(path + ".data", moved + ".data");
        string hash = OnnxModel.Load(path, OnDisk).Sha256();
        Assert.Equal(hash, OnnxModel.Load(moved, OnDisk).Sha256());

        using (var f = new FileStream(moved + ".data", FileMode.Open)) // one byte of one weight changed
        {
            f.Seek(-3, SeekOrigin.End);
            int b = f.ReadByte();
            f.Seek(-3, SeekOrigin.End);
            f.WriteByte((byte)(b ^ 1));
        }
        Assert.NotEqual(hash, OnnxModel.Load(moved, OnDisk).Sha256());
    }
}
