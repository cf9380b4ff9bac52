using OnnxAblation.Results;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// A study's exit code: never 0 having done less than asked. Layers left out are named with their reason; a study
/// that planned nothing fails (exit 2), and one that skipped a layer the user named fails after storing the rest (exit 1).
/// </summary>
internal static class StudyOutcome
{
    public static int ExitCode(StudyResult result, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var s in result.Skipped) error.WriteLine($"skipped: layer '{s.Layer}': {s.Reason}");
        foreach (var (layer, path) in result.Context.Store.Paths().Where(x => x.Path.StartsWith("reference: ", StringComparison.Ordinal) && x.Path != "reference: asked for"))
            error.WriteLine($"reference path: layer '{layer}': {path["reference: ".Length..]}");
        if (result.Planned == 0)
        {
            error.WriteLine(result.Skipped.Count > 0
                ? "error: nothing was ablated: every layer of the study was skipped (reasons above)"
                : "error: nothing was ablated: the model has no hidden layer to study (see `onnx-ablate inspect`); name layers with --layers or groups with --group");
            return 2;
        }
        if (result.LayersNamed && result.Skipped.Count > 0)
        {
            error.WriteLine($"error: {result.Skipped.Count} of the layers asked for were skipped (reasons above); the other results are stored in {result.Context.Store.Path}");
            return 1;
        }
        return 0;
    }
}
