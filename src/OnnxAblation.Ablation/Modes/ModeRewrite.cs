using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Modes;

/// <summary>What a mode's rewrite may read: the units, the parsed mode with its parameter and seed, and unit means where computed.</summary>
internal sealed record ModeRewrite(ModelUnits Units, ModeSpec Spec, UnitMeans? Means);
