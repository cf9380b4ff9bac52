using System.Globalization;

namespace OnnxAblation.Runtime;

/// <summary>The process's address-space limit (<c>ulimit -v</c>, "Max address space" in /proc/self/limits, Linux).</summary>
public static class MemoryLimits
{
    /// <summary>The limit in bytes, or null when there is none (or it cannot be read).</summary>
    public static long? AddressSpaceBytes()
    {
        try
        {
            if (!File.Exists("/proc/self/limits")) return null;
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max address space", StringComparison.Ordinal)) continue;
                var parts = line["Max address space".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long bytes) ? bytes : null;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>"; the address-space limit (ulimit -v) is N MB" when one is set, else "".</summary>
    public static string AddressSpace() => AddressSpaceBytes() is long b ? $"; the address-space limit (ulimit -v) is {b >> 20} MB" : "";
}
