using OnnxAblation.Analysis;

namespace OnnxAblation.Results;

/// <summary>The same zero-in study on two models, side by side; units matched where the architectures match.</summary>
public sealed record ModelComparison(ComparedModel A, ComparedModel B, IReadOnlyList<LayerMatch>? Matches, string? Mismatch)
{
    internal static string? FindMismatch(ComparedModel a, ComparedModel b)
    {
        if (a.Layers.Count != b.Layers.Count) return $"A has {a.Layers.Count} hidden layers, B has {b.Layers.Count}";
        for (int i = 0; i < a.Layers.Count; i++)
            if (a.Layers[i].Layer.UnitCount != b.Layers[i].Layer.UnitCount)
                return $"hidden layer {i}: A's {a.Layers[i].Layer.Name} has {a.Layers[i].Layer.UnitCount} units, B's {b.Layers[i].Layer.Name} has {b.Layers[i].Layer.UnitCount}";
        return null;
    }
}
