namespace OnnxAblation.Data;

/// <summary>
/// The common value options: <c>scale=S</c>, then <c>mean=m1,...</c> / <c>std=s1,...</c> per channel
/// (channel = axis 0 of the sample shape; one value applies to all channels): x ← (x·S − mean[c]) / std[c].
/// </summary>
internal static class Preprocessing
{
    public static void Apply(DataSpec spec, float[] features, int[] sampleShape) =>
        SampleTransform.For(spec, sampleShape).Apply(features);
}
