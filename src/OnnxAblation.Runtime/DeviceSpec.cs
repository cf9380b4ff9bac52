using System.Globalization;

namespace OnnxAblation.Runtime;

/// <summary>Where inference runs: <c>cpu</c>, or <c>cuda</c> / <c>cuda:N</c>.</summary>
public sealed record DeviceSpec(bool IsCuda, int DeviceId)
{
    public static DeviceSpec Cpu { get; } = new(false, 0);

    public static DeviceSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda" || t == "gpu") return new DeviceSpec(true, 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            return new DeviceSpec(true, id);
        throw new ArgumentException($"device '{text}' is not one of cpu, cuda, cuda:N");
    }

    public override string ToString() => IsCuda ? $"cuda:{DeviceId}" : "cpu";
}
