using System.Runtime.InteropServices;

namespace OnnxAblation.Runtime;

/// <summary>
/// Why ONNX Runtime's CUDA provider did not load, in words a user can act on. ONNX Runtime's exception says only
/// "Failed to load shared library" (its log line names the library); this loads the provider library the way its
/// loader does and returns the loader's own error, and names the CUDA libraries that are not on the library path.
/// </summary>
internal static class CudaDiagnosis
{
    /// <summary>What the GPU build's ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32) needs on the machine.</summary>
    public const string Requirements =
        "an NVIDIA driver (libcuda.so.1), CUDA 13 (runtime, cuBLAS, cuRAND) and cuDNN 9 on the library path (ldconfig or LD_LIBRARY_PATH)";

    /// <summary>The libraries the CUDA provider of ONNX Runtime 1.32 needs (its ELF NEEDED entries, and cuDNN, which it opens itself).</summary>
    private static readonly string[] Needed =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    private const string ProviderFile = "libonnxruntime_providers_cuda.so";

    /// <summary>One sentence for the error message: the loader's error and the libraries not found; empty off Linux.</summary>
    public static string Describe()
    {
        if (!OperatingSystem.IsLinux()) return "";
        var parts = new List<string>();
        string? loaderError = ProviderLoadError();
        if (loaderError is not null) parts.Add($"loading {ProviderFile}: {loaderError}");
        var missing = Needed.Where(n => !CanLoad(n)).ToList();
        if (missing.Count > 0) parts.Add($"not found on this machine: {string.Join(", ", missing)}");
        return parts.Count == 0 ? "" : string.Join("; ", parts);
    }

    /// <summary>The provider library next to ONNX Runtime's native library, as its loader looks for it; null when absent.</summary>
    private static string? ProviderPath()
    {
        string baseDir = AppContext.BaseDirectory;
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        return new[] { Path.Combine(baseDir, ProviderFile), Path.Combine(baseDir, "runtimes", rid, "native", ProviderFile) }
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The dynamic loader's error for the provider library (e.g. "libcublasLt.so.13: cannot open shared object file"), or null when it loads.</summary>
    private static string? ProviderLoadError()
    {
        string? path = ProviderPath();
        if (path is null) return $"{ProviderFile} is not in this build's output ({AppContext.BaseDirectory})";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            // .NET's message ends with dlerror()'s text ("libX.so.N: cannot open shared object file: …") after advice
            // on strace and LD_DEBUG; keep only that text.
            string m = e.Message.ReplaceLineEndings(" ");
            const string tail = "environment variable:";
            int at = m.LastIndexOf(tail, StringComparison.Ordinal);
            return (at >= 0 ? m[(at + tail.Length)..] : m).Trim();
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    private static bool CanLoad(string name)
    {
        if (!NativeLibrary.TryLoad(name, out IntPtr handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
