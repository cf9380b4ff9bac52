using System.Globalization;

namespace OnnxAblation;

/// <summary>The process's peak resident memory (VmHWM in /proc/self/status, Linux), and resetting it between measured phases.</summary>
public static class PeakMemory
{
    /// <summary>VmHWM in bytes, or null where /proc/self/status has none.</summary>
    public static long? Bytes() => Field("VmHWM:");

    /// <summary>VmSize in bytes (address space mapped now), or null.</summary>
    public static long? VirtualBytes() => Field("VmSize:");

    /// <summary>VmRSS in bytes (resident now), or null.</summary>
    public static long? ResidentBytes() => Field("VmRSS:");

    /// <summary>Sets VmHWM back to the current resident size (writes 5 to /proc/self/clear_refs, Linux ≥ 4.0); false where that is not possible.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? Field(string name)
    {
        try
        {
            if (!File.Exists("/proc/self/status")) return null;
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', '\t').Where(p => p.Length > 0).ToArray();
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
