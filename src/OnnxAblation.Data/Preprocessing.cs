namespace OnnxAblation.Data;

/// <summary>
/// The common value options: <c>scale=S</c>, then <c>mean=m1,...</c> / <c>std=s1,...</c> per channel
/// (channel = axis 0 of the sample shape; one value applies to all channels): x ← (x·S − mean[c]) / std[c].
/// </summary>
internal static class Preprocessing
{
    public static void Apply(DataSpec spec, float[] features, int[] sampleShape)
    {
        float scale = spec.Get("scale") is string s ? spec.GetFloat("scale", s) : 1f;
        int channels = sampleShape.Length == 0 ? 1 : sampleShape[0];
        float[] mean = PerChannel(spec, "mean", sampleShape, 0f);
        float[] std = PerChannel(spec, "std", sampleShape, 1f);
        for (int c = 0; c < channels; c++)
            if (std[c] == 0f) throw new DataFormatException($"{spec.Text}: std for channel {c} is 0");
        if (scale == 1f && mean.All(m => m == 0f) && std.All(d => d == 1f)) return;

        int sampleSize = sampleShape.Aggregate(1, (a, b) => a * b);
        int plane = sampleSize / channels;
        for (int start = 0; start < features.Length; start += sampleSize)
        {
            for (int c = 0; c < channels; c++)
            {
                Span<float> p = features.AsSpan(start + c * plane, plane);
                float m = mean[c], d = std[c];
                for (int i = 0; i < p.Length; i++) p[i] = (p[i] * scale - m) / d;
            }
        }
    }

    private static float[] PerChannel(DataSpec spec, string key, int[] sampleShape, float fallback)
    {
        int channels = sampleShape.Length == 0 ? 1 : sampleShape[0];
        if (spec.Get(key) is null) return Enumerable.Repeat(fallback, channels).ToArray();
        float[] values = spec.GetFloats(key);
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        if (values.Length != channels)
            throw new DataFormatException(
                $"{spec.Text}: {key} has {values.Length} values but samples have {channels} channels (axis 0 of shape [{string.Join(",", sampleShape)}]); give 1 or {channels} values");
        return values;
    }
}
