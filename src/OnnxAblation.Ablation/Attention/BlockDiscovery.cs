using OnnxAblation.Ablation.Units;

namespace OnnxAblation.Ablation.Attention;

/// <summary>
/// Transformer sub-blocks from the attentions found: each attention's output projection, and the MLP after it: the
/// first layer after the projection whose units feed one other layer alone (the MLP's hidden units), before the next
/// attention's value layer; that other layer writes the MLP's contribution.
/// </summary>
internal static class BlockDiscovery
{
    public static IReadOnlyList<TransformerBlock> Find(ModelUnits units)
    {
        var blocks = new List<TransformerBlock>();
        var heads = units.HeadLayers.Select(h => h.Attention!).ToList();
        for (int i = 0; i < heads.Count; i++)
        {
            var a = heads[i];
            var output = units[a.OutputLayer];
            blocks.Add(new TransformerBlock(a.Scope + " (attention)", "attention", output.Name));
            int end = i + 1 < heads.Count ? units[heads[i + 1].ValueLayer].Position : int.MaxValue;
            foreach (var first in units.Layers.Where(l => l.Position > output.Position && l.Position < end && !l.IsOutputLayer))
            {
                var readers = units.Consumers(first).ToList();
                if (readers.Count != 1 || readers[0].Position >= end || readers[0].IsOutputLayer) continue;
                blocks.Add(new TransformerBlock(Scope(first.Name) + " (MLP)", "mlp", readers[0].Name));
                break;
            }
        }
        return blocks;
    }

    private static string Scope(string name)
    {
        int slash = name.LastIndexOf('/');
        int before = slash > 0 ? name.LastIndexOf('/', slash - 1) : -1;
        return before > 0 ? name[..before] : name;
    }
}
