using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Results;

/// <summary>An ablated copy of the model and, with data, its evaluation before and after.</summary>
public sealed record AblationOutcome(OnnxModel Ablated, ModeSpec Mode, IReadOnlyList<UnitSet> Sets, EvaluationResult? Before, EvaluationResult? After);
