using System.Globalization;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>A mode with its parameter (σ for noise, factor for scale) and seed; its text form keys stored results.</summary>
public sealed record ModeSpec(AblationMode Mode, double Parameter = 0, int Seed = 0)
{
    public static ModeSpec ZeroIn { get; } = new(AblationMode.ZeroIn);

    /// <summary>Help text listing every mode, e.g. "zero-in, zero-out, mean, noise[:sigma], scale[:factor]".</summary>
    public static string Choices => string.Join(", ", AblationMode.All.Select(m => m.Usage));

    /// <summary>Parses "zero-in", "zero-out", "mean", "noise", "noise:0.5", "scale:0.25"; parameter/seed defaults as given.</summary>
    public static ModeSpec Parse(string text, double? parameter = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        string name = text.Trim().ToLowerInvariant();
        double? inline = null;
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (!double.TryParse(name.AsSpan(colon + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double p))
                throw new AblationException($"mode '{text}': '{name[(colon + 1)..]}' is not a number");
            inline = p;
            name = name[..colon];
        }
        var mode = AblationMode.All.FirstOrDefault(m => m.Key == name || m.Aliases.Contains(name))
            ?? throw new AblationException($"mode '{text}' is not one of {Choices}");
        if (inline is not null && mode.ParameterName is null)
            throw new AblationException($"mode '{text}': {mode.Key} takes no parameter");
        double value = mode.ParameterName is null ? 0 : inline ?? parameter ?? mode.DefaultParameter;
        return new ModeSpec(mode, value, mode.UsesSeed ? seed : 0);
    }

    /// <summary>Why this mode cannot ablate units of <paramref name="layer"/>, or null if it can.</summary>
    public string? Unavailable(ModelUnits units, Layer layer) => Mode.Unavailable(units, layer);

    public string Name => Mode.Key;

    public override string ToString() => Mode.Format(this);
}
