using System.Globalization;

namespace OnnxAblation.Cli.Commands;

/// <summary>One line per recovery stage and per measured epoch on standard error (training is slow enough for every line).</summary>
internal sealed class EpochLines : IProgress<ProgressReport>
{
    private string? _stage;

    public void Report(ProgressReport value)
    {
        if (value.Stage != _stage)
        {
            _stage = value.Stage;
            Console.Error.WriteLine(value.Stage);
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {value.Done} of {value.Total}: {value.Detail}"));
    }
}
