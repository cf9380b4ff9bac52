using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Analysis;

/// <summary>Resolves a <c>--layers A,B</c> option against a model's layers (default: every hidden layer).</summary>
public static class LayerChoice
{
    /// <exception cref="ArgumentException">A name is not a layer of the model (the message lists the layers).</exception>
    public static IReadOnlyList<Layer> Resolve(ModelUnits units, string? text)
    {
        ArgumentNullException.ThrowIfNull(units);
        if (text is null)
        {
            var hidden = units.HiddenLayers.ToList();
            if (hidden.Count == 0)
                throw new ArgumentException($"{units.Model.Source}: no hidden layers found (layers: {string.Join(", ", units.Layers.Select(l => l.Name))}); name the layers with --layers");
            return hidden;
        }
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException("--layers: no layer names given");
        return names.Select(n => units[n]).Distinct().ToList();
    }
}
