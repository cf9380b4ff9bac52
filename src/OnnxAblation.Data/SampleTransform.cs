namespace OnnxAblation.Data;

/// <summary>
/// The common value options of a data spec as one transform: <c>scale=S</c>, then <c>mean=</c> / <c>std=</c> per
/// channel (channel = axis 0 of the sample shape): x ← (x·S − mean[c]) / std[c], in float32. Applied once to data held
/// in memory, and to every chunk read of data streamed from its file, so both give the same floats.
/// </summary>
internal sealed class SampleTransform
{
    private readonly float _scale;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly int _plane;

    private SampleTransform(float scale, float[] mean, float[] std, int sampleSize)
    {
        _scale = scale;
        _mean = mean;
        _std = std;
        SampleSize = sampleSize;
        _plane = sampleSize / mean.Length;
        IsIdentity = scale == 1f && mean.All(m => m == 0f) && std.All(d => d == 1f);
    }

    public bool IsIdentity { get; }

    public int SampleSize { get; }

    public static SampleTransform For(DataSpec spec, int[] sampleShape)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(sampleShape);
        float scale = spec.Get("scale") is string s ? spec.GetFloat("scale", s) : 1f;
        int channels = sampleShape.Length == 0 ? 1 : sampleShape[0];
        float[] mean = PerChannel(spec, "mean", sampleShape, 0f);
        float[] std = PerChannel(spec, "std", sampleShape, 1f);
        for (int c = 0; c < channels; c++)
            if (std[c] == 0f) throw new DataFormatException($"{spec.Text}: std for channel {c} is 0");
        return new SampleTransform(scale, mean, std, sampleShape.Aggregate(1, (a, b) => a * b));
    }

    /// <summary>Transforms whole samples in place (<paramref name="samples"/> holds a multiple of the sample size).</summary>
    public void Apply(Span<float> samples)
    {
        if (IsIdentity) return;
        for (int start = 0; start + SampleSize <= samples.Length; start += SampleSize)
        {
            for (int c = 0; c < _mean.Length; c++)
            {
                Span<float> p = samples.Slice(start + c * _plane, _plane);
                float m = _mean[c], d = _std[c];
                for (int i = 0; i < p.Length; i++) p[i] = (p[i] * _scale - m) / d;
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
