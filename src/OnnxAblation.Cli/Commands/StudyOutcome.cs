using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// A study's exit code: never 0 having done less than asked. Layers left out are named with their reason; a study
/// that planned nothing fails (exit 2), and one that skipped a layer the user named fails after storing the rest (exit 1).
/// </summary>
internal static class StudyOutcome
{
    public static int ExitCode(StudyOrchestrator orchestrator, bool layersNamed, string storePath, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var s in orchestrator.Skipped) error.WriteLine($"skipped: layer '{s.Layer}': {s.Reason}");
        if (orchestrator.Planned == 0)
        {
            error.WriteLine(orchestrator.Skipped.Count > 0
                ? "error: nothing was ablated: every layer of the study was skipped (reasons above)"
                : "error: nothing was ablated: the model has no hidden layer to study (see `onnx-ablate inspect`); name layers with --layers or groups with --group");
            return 2;
        }
        if (layersNamed && orchestrator.Skipped.Count > 0)
        {
            error.WriteLine($"error: {orchestrator.Skipped.Count} of the layers asked for were skipped (reasons above); the other results are stored in {storePath}");
            return 1;
        }
        return 0;
    }
}
