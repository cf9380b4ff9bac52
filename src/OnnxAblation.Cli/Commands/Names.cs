namespace OnnxAblation.Cli.Commands;

/// <summary>Comma-separated lists on the command line.</summary>
internal static class Names
{
    public static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
