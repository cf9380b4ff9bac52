namespace OnnxAblation.Tests.Scheduling;

/// <summary>
/// The code blocks of README.md's "Scale-out on existing schedulers" section, as the README shows them: the tests
/// run and check exactly this text, so the README cannot drift from what was tested.
/// </summary>
internal static class ReadmeScaleOut
{
    public const string Heading = "## Scale-out on existing schedulers";

    /// <summary>The Slurm array script (the section's only <c>```bash</c> block), with its trailing newline.</summary>
    public static string SlurmScript => Block("bash");

    /// <summary>The Kubernetes Indexed Job manifest (the section's only <c>```yaml</c> block).</summary>
    public static string IndexedJob => Block("yaml");

    private static string Block(string language)
    {
        string[] lines = File.ReadAllLines(Path.Combine(TestPaths.Root, "README.md"));
        int start = Array.IndexOf(lines, Heading);
        Assert.True(start >= 0, $"README.md has no '{Heading}' section");
        int end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        if (end < 0) end = lines.Length;
        var blocks = new List<string>();
        for (int i = start + 1; i < end; i++)
        {
            if (lines[i] != "```" + language) continue;
            int close = Array.FindIndex(lines, i + 1, l => l == "```");
            Assert.True(close > i && close < end, $"README.md: unclosed ```{language} block in '{Heading}'");
            blocks.Add(string.Join('\n', lines[(i + 1)..close]) + "\n");
            i = close;
        }
        Assert.True(blocks.Count == 1, $"README.md's '{Heading}' section should have exactly one ```{language} block, has {blocks.Count}");
        return blocks[0];
    }
}
