namespace OnnxAblation.Ablation.Ops;

/// <summary>
/// Where a layer's units are in a tensor: the axis that holds them, counted from the end (so broadcasting keeps it:
/// 3 for NCHW channels, 1 for the features of [N, K] or [B, T, C]), and for each unit its indices along that axis
/// (one channel, a block of flattened features, or nothing where a Slice dropped it).
/// </summary>
internal sealed record Channels(int FromEnd, int[][] Features)
{
    /// <summary>Unit u at index u of the axis.</summary>
    public static Channels OneEach(int units, int fromEnd) =>
        new(fromEnd, Enumerable.Range(0, units).Select(u => new[] { u }).ToArray());

    /// <summary>The axis index in a tensor of rank <paramref name="rank"/>.</summary>
    public int Axis(int rank) => rank - FromEnd;

    /// <summary>Every index moved by <paramref name="map"/> (which may drop an index or spread it over several).</summary>
    public Channels Map(Func<int, IEnumerable<int>> map, int? fromEnd = null) =>
        new(fromEnd ?? FromEnd, Features.Select(f => f.SelectMany(map).ToArray()).ToArray());

    /// <summary>Same indices, on an axis now counted <paramref name="fromEnd"/> from the end.</summary>
    public Channels On(int fromEnd) => this with { FromEnd = fromEnd };

    public bool IsEmpty => Features.All(f => f.Length == 0);

    /// <summary>A key for "this tensor was already followed with these channels".</summary>
    public int Key()
    {
        var h = new HashCode();
        h.Add(FromEnd);
        foreach (var f in Features) { h.Add(f.Length); foreach (int i in f) h.Add(i); }
        return h.ToHashCode();
    }
}
