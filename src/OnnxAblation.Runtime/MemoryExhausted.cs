using Microsoft.ML.OnnxRuntime;

namespace OnnxAblation.Runtime;

/// <summary>
/// ONNX Runtime's allocation failures as <see cref="InsufficientMemoryException"/>s that say what ran out and the
/// limit in force (an address-space limit, <c>ulimit -v</c>, shows in /proc/self/limits), so callers report them as
/// one clear line instead of a native error dump.
/// </summary>
internal static class MemoryExhausted
{
    /// <summary>Runs <paramref name="run"/>; an allocation failure inside ONNX Runtime becomes an <see cref="InsufficientMemoryException"/>.</summary>
    public static void Guard(Action run, string what)
    {
        try
        {
            run();
        }
        catch (OnnxRuntimeException e) when (e.Message.Contains("Failed to allocate memory", StringComparison.Ordinal)
                                            || e.Message.Contains("bad_alloc", StringComparison.Ordinal))
        {
            throw new InsufficientMemoryException($"ONNX Runtime could not allocate memory for {what}{MemoryLimits.AddressSpace()}", e);
        }
    }
}
