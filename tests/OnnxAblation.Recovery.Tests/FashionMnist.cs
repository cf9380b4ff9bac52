using System.Buffers.Binary;
using System.IO.Compression;
using OnnxAblation.Data;

namespace OnnxAblation.Recovery.Tests;

/// <summary>
/// Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX, gzip; bytes / 255), samples [1,28,28],
/// as the fmnist reference models were trained on it. Null where the package is not installed.
/// </summary>
internal static class FashionMnist
{
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] Classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly Lazy<Dataset?> TestSet = new(() => Load("t10k"));

    private static readonly Lazy<Dataset?> TrainSet = new(() => Load("train"));

    /// <summary>The 10,000 t10k images in file order.</summary>
    public static Dataset? Test => TestSet.Value;

    /// <summary>The 60,000 training images in file order.</summary>
    public static Dataset? Train => TrainSet.Value;

    private static Dataset? Load(string split)
    {
        string images = Path.Combine(Directory, $"{split}-images-idx3-ubyte.gz");
        string labels = Path.Combine(Directory, $"{split}-labels-idx1-ubyte.gz");
        if (!File.Exists(images) || !File.Exists(labels)) return null;
        byte[] x = Unzip(images), y = Unzip(labels);
        int n = BinaryPrimitives.ReadInt32BigEndian(x.AsSpan(4));
        const int offset = 16, size = 28 * 28;
        var features = new float[n * size];
        for (int i = 0; i < features.Length; i++) features[i] = x[offset + i] / 255f;
        var classes = y.AsSpan(8, n).ToArray().Select(b => (int)b).ToArray();
        return new Dataset(features, classes, [1, 28, 28], Classes, $"fashion-mnist {split}");
    }

    private static byte[] Unzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }
}
