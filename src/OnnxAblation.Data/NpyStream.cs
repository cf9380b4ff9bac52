namespace OnnxAblation.Data;

/// <summary>Where the samples of an .npy file are, for reading them chunk by chunk (see <see cref="NpySamples"/>).</summary>
/// <param name="ItemSize">Bytes per value: 4 (float32), 8 (float64), 1 (uint8).</param>
internal sealed record NpyStream(string Path, long DataOffset, int ItemSize, int Count);
