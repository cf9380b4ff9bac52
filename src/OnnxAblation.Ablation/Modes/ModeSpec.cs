using System.Globalization;
using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>A mode with its parameter (σ for noise, factor for scale) and seed; its text form keys stored results.</summary>
public sealed record ModeSpec(AblationMode Mode, double Parameter = 0, int Seed = 0)
{
    public static ModeSpec ZeroIn { get; } = new(AblationMode.ZeroIn);

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
        var mode = name switch
        {
            "zero-in" or "zero" => AblationMode.ZeroIn,
            "zero-out" => AblationMode.ZeroOut,
            "mean" => AblationMode.Mean,
            "noise" => AblationMode.Noise,
            "scale" => AblationMode.Scale,
            _ => throw new AblationException($"mode '{text}' is not one of zero-in, zero-out, mean, noise[:sigma], scale[:factor]"),
        };
        double value = inline ?? parameter ?? (mode == AblationMode.Noise ? 1.0 : mode == AblationMode.Scale ? 0.5 : 0);
        return mode switch
        {
            AblationMode.Noise => new ModeSpec(mode, value, seed),
            AblationMode.Scale => new ModeSpec(mode, value),
            _ => new ModeSpec(mode),
        };
    }

    /// <summary>Why this mode cannot ablate units of <paramref name="layer"/>, or null if it can.</summary>
    public string? Unavailable(ModelUnits units, Layer layer)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        if (Mode != AblationMode.ZeroOut) return null;
        string? why = ModelInspection.ZeroOutProblem(layer) ?? (units.Consumers(layer).Any() ? null : "no layer reads its units");
        return why is null ? null : $"zero-out unavailable: {why}; zero-in works";
    }

    public string Name => Mode switch
    {
        AblationMode.ZeroIn => "zero-in",
        AblationMode.ZeroOut => "zero-out",
        AblationMode.Mean => "mean",
        AblationMode.Noise => "noise",
        _ => "scale",
    };

    public override string ToString() => Mode switch
    {
        AblationMode.Noise => string.Create(CultureInfo.InvariantCulture, $"noise({Parameter:R},seed={Seed})"),
        AblationMode.Scale => string.Create(CultureInfo.InvariantCulture, $"scale({Parameter:R})"),
        _ => Name,
    };
}
