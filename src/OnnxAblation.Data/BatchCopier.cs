namespace OnnxAblation.Data;

/// <summary>
/// Copies samples of a <see cref="Dataset"/> into a model input buffer in the layout the model wants,
/// and picks that layout from the model's input shape.
/// </summary>
public static class BatchCopier
{
    /// <summary>
    /// Writes samples [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) into
    /// <paramref name="destination"/> (at least count × SampleSize values) in <paramref name="layout"/>. Allocates nothing (a streamed set reads through pooled buffers).
    /// </summary>
    /// <exception cref="DataFormatException">Nhwc was asked for samples that are not [C,H,W].</exception>
    public static void Copy(Dataset data, int start, int count, TensorLayout layout, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (start < 0 || count < 0 || start > data.Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"samples [{start}, {start}+{count}) are outside the {data.Count} samples of {data.Spec}");
        int size = data.SampleSize;
        int total = count * size;
        if (destination.Length < total)
            throw new ArgumentException($"destination holds {destination.Length} values; {count} samples of {size} need {total}", nameof(destination));
        switch (layout)
        {
            case TensorLayout.Flat:
            case TensorLayout.Nchw:
                data.CopySamples(start, count, destination);
                return;
            case TensorLayout.Nhwc:
                if (data.SampleShape.Length != 3)
                    throw new DataFormatException(
                        $"{data.Spec}: NHWC layout needs [C,H,W] samples, but the sample shape is [{string.Join(",", data.SampleShape)}]");
                int channels = data.SampleShape[0];
                int plane = data.SampleShape[1] * data.SampleShape[2];
                if (!data.IsStreamed)
                {
                    ReadOnlySpan<float> source = data.Features.AsSpan(start * size, total);
                    for (int s = 0; s < count; s++)
                        ToChannelsLast(source.Slice(s * size, size), destination.Slice(s * size, size), channels, plane);
                    return;
                }
                float[] sample = System.Buffers.ArrayPool<float>.Shared.Rent(size);
                try
                {
                    for (int s = 0; s < count; s++)
                    {
                        data.CopySamples(start + s, 1, sample);
                        ToChannelsLast(sample.AsSpan(0, size), destination.Slice(s * size, size), channels, plane);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<float>.Shared.Return(sample);
                }
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown tensor layout");
        }
    }

    /// <summary>
    /// The layout for feeding samples of <paramref name="sampleShape"/> to a model input of
    /// <paramref name="modelInputShape"/> (batch axis included; null = symbolic dimension):
    /// rank 2 → Flat (element counts must match); rank 4 matching [N,C,H,W] → Nchw, else matching [N,H,W,C] → Nhwc.
    /// </summary>
    /// <exception cref="DataFormatException">The shapes do not fit; the message states both.</exception>
    public static TensorLayout LayoutFor(int[] sampleShape, long?[] modelInputShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(modelInputShape);
        long elements = sampleShape.Aggregate(1L, (a, b) => a * b);
        if (modelInputShape.Length == 2)
        {
            if (modelInputShape[1] is null || modelInputShape[1] == elements) return TensorLayout.Flat;
            throw Mismatch(sampleShape, modelInputShape, $"the model wants {modelInputShape[1]} values per sample, the data has {elements}");
        }
        if (modelInputShape.Length == 4)
        {
            if (sampleShape.Length != 3)
                throw Mismatch(sampleShape, modelInputShape, "a rank-4 model input needs [C,H,W] samples (pass a sample shape such as [1,28,28])");
            int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
            if (Fits(modelInputShape, c, h, w)) return TensorLayout.Nchw;
            if (Fits(modelInputShape, h, w, c)) return TensorLayout.Nhwc;
            throw Mismatch(sampleShape, modelInputShape, "neither [N,C,H,W] nor [N,H,W,C] matches");
        }
        throw Mismatch(sampleShape, modelInputShape, "the model input must have rank 2 ([N,F]) or rank 4 ([N,C,H,W] or [N,H,W,C])");
    }

    private static bool Fits(long?[] model, int d1, int d2, int d3) =>
        (model[1] is null || model[1] == d1) && (model[2] is null || model[2] == d2) && (model[3] is null || model[3] == d3);

    private static DataFormatException Mismatch(int[] sample, long?[] model, string why) =>
        new($"Data sample shape [{string.Join(",", sample)}] does not fit model input shape [{string.Join(",", model.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}]: {why}");

    private static void ToChannelsLast(ReadOnlySpan<float> chw, Span<float> hwc, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> src = chw.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++) hwc[p * channels + c] = src[p];
        }
    }
}
