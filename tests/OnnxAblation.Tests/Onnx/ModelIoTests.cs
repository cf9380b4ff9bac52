using OnnxAblation.Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Onnx;

public class ModelIoTests
{
    private static readonly string Mlp = TestPaths.Model("mnist-mlp-20-10/model.onnx");

    private static float[] Inputs(int n, int size, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * size).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    [Fact]
    public void Unmodified_model_written_back_gives_bit_identical_outputs()
    {
        var model = OnnxModel.Load(Mlp);
        var x = Inputs(16, 784, 1);
        var before = Run.Outputs(model, x, [784]);
        var after = Run.Outputs(OnnxModel.FromBytes(model.ToBytes()), x, [784]);
        Assert.Equal(before, after);
        Assert.Equal(File.ReadAllBytes(Mlp).Length, model.ToBytes().Length);
    }

    [Fact]
    public void External_data_round_trip_is_bit_identical()
    {
        string dir = TestPaths.NewTempDirectory();
        var model = OnnxModel.Load(Mlp);
        string path = Path.Combine(dir, "ext.onnx");
        model.Save(path, new OnnxSaveOptions { ExternalData = true });
        Assert.True(File.Exists(path + ".data"));
        Assert.True(new FileInfo(path).Length < 4096, "weights moved out of the model file");
        var reloaded = OnnxModel.Load(path);
        Assert.Equal(model.ToBytes(), reloaded.ToBytes());
        var x = Inputs(8, 784, 2);
        Assert.Equal(Run.Outputs(model, x, [784]), Run.Outputs(reloaded, x, [784]));
        // saving inline again gives the original message (OnnxSharp's proto3 schema writes repeated ints packed, where
        // torch's exporter wrote them one by one, so the bytes differ there) and, written again, the same bytes
        string inline = Path.Combine(dir, "inline.onnx");
        reloaded.Save(inline);
        var original = OnnxModel.Load(Mlp);
        Assert.Equal(original.Proto, OnnxModel.Load(inline).Proto);
        Assert.Equal(original.ToBytes(), File.ReadAllBytes(inline));
    }

    [Fact]
    public void Missing_external_file_and_truncated_external_data_are_named()
    {
        string dir = TestPaths.NewTempDirectory();
        string path = Path.Combine(dir, "ext.onnx");
        OnnxModel.Load(Mlp).Save(path, new OnnxSaveOptions { ExternalData = true });
        var data = File.ReadAllBytes(path + ".data");
        File.WriteAllBytes(path + ".data", data[..(data.Length / 2)]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("runs past the end", e.Message);
        Assert.Contains(path, e.Message);
        File.Delete(path + ".data");
        e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("ext.onnx.data", e.Message);
    }

    [Fact]
    public void A_model_over_2_GB_keeps_its_data_on_disk_and_loads_without_reading_it()
    {
        string dir = TestPaths.NewTempDirectory();
        string path = Path.Combine(dir, "big.onnx");
        OnnxModel.Load(Mlp).Save(path, new OnnxSaveOptions { ExternalData = true });
        // The side file grows to 2.3 GB (sparse: no disk used), and a tensor of 550M floats claims 2.2 GB of it.
        using (var f = new FileStream(path + ".data", FileMode.Open)) f.SetLength(2_300_000_000);
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var tensor = proto.Graph.Initializer.First(t => t.ExternalData.Count > 0);
        tensor.Dims.Clear();
        tensor.Dims.AddRange([550_000_000]);
        tensor.ExternalData.First(e => e.Key == "length").Value = "2200000000";
        tensor.ExternalData.First(e => e.Key == "offset").Value = "0";
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var model = OnnxModel.Load(path);
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(model.HasDataOnDisk);
        Assert.True(used < 16 << 20, $"allocated {used:N0} bytes to load a 2.3 GB model");
    }

    [Fact]
    public void A_single_file_over_2_GB_is_refused_with_what_to_do()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "inline.onnx");
        using (var f = new FileStream(path, FileMode.Create)) f.SetLength(2_300_000_000); // sparse
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("2.30 GB", e.Message, StringComparison.Ordinal);
        Assert.Contains("save_as_external_data=True", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "empty", "is empty" },
        { "truncated", "not a valid ONNX model" },
        { "text", "not" },
        { "random", "not" },
        { "png", "not" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Corrupt_files_give_a_clear_error_naming_the_file(string kind, string expected)
    {
        string dir = TestPaths.NewTempDirectory();
        string path = Path.Combine(dir, kind + ".onnx");
        var good = File.ReadAllBytes(Mlp);
        byte[] bytes = kind switch
        {
            "empty" => [],
            "truncated" => good[..(good.Length * 2 / 3)],
            "text" => "this is not a model\n"u8.ToArray(),
            "random" => Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray(),
            _ => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
        };
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_file_and_directory_are_named()
    {
        Assert.Contains("model file not found", Assert.Throws<OnnxFormatException>(() => OnnxModel.Load("/nonexistent/m.onnx")).Message);
        Assert.Contains("is a directory", Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(TestPaths.Models)).Message);
    }

    [Fact]
    public void Graph_index_knows_producers_consumers_and_order()
    {
        var b = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 3);
        string w = b.Init("W", [3, 2], 1, 2, 3, 4, 5, 6);
        string h = b.Node("Gemm", ["x", w], name: "fc", attributes: ("transB", 1L));
        b.Node("Relu", [h], output: "y", name: "act");
        var m = b.Build();
        var g = m.Index();
        Assert.Equal(["x"], g.RealInputs.Select(i => i.Name));
        Assert.Equal(0, g.Producer(h));
        Assert.Equal([1], g.Consumers(h));
        Assert.Equal([0, 1], g.TopologicalOrder);
        Assert.True(g.IsInitializer("W"));
        Assert.Equal([3L, 2L], g.DeclaredShape("W")!.Select(d => d!.Value));
    }

    [Fact]
    public void Graph_with_a_dangling_input_is_refused()
    {
        var b = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 2);
        b.Node("Add", ["x", "nowhere"], output: "y");
        var e = Assert.Throws<OnnxFormatException>(() => b.Build().Index());
        Assert.Contains("'nowhere'", e.Message);
    }
}
