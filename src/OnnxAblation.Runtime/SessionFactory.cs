using Microsoft.ML.OnnxRuntime;
using OnnxAblation.Onnx;

namespace OnnxAblation.Runtime;

/// <summary>Creates ONNX Runtime sessions with the engine's options (threads, device, optimisation).</summary>
internal static class SessionFactory
{
    /// <summary>A session over <paramref name="model"/>; tensors it keeps on disk are fed from their shared mapping.</summary>
    internal static OrtSession Create(OnnxModel model, InferenceOptions options)
    {
        var (weights, bytes) = DiskWeights.Prepare(model);
        try
        {
            return new OrtSession(Open(bytes, options, model.Source), weights);
        }
        catch
        {
            weights?.Dispose();
            throw;
        }
    }

    internal static OrtSession Create(byte[] model, InferenceOptions options, string source) => new(Open(model, options, source), null);

    private static InferenceSession Open(byte[] model, InferenceOptions options, string source)
    {
        var so = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, options.Threads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (options.Device.IsCuda) AppendCuda(so, options.Device.DeviceId);
            return new InferenceSession(model, so);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxFormatException($"{source}: ONNX Runtime cannot load the model: {e.Message}", e);
        }
        finally
        {
            so.Dispose();
        }
    }

    private static void AppendCuda(SessionOptions so, int deviceId)
    {
#if ONNXRUNTIME_GPU
        try
        {
            so.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (OnnxRuntimeException e)
        {
            // ONNX Runtime's exception only says "Failed to load shared library"; name what is missing.
            string why = CudaDiagnosis.Describe();
            throw new RuntimeUnavailableException(
                $"--device cuda:{deviceId}: ONNX Runtime's CUDA provider cannot be used ({e.Message})" +
                (why.Length > 0 ? $"; {why}" : "") +
                $". This GPU build needs {CudaDiagnosis.Requirements}: install them, or run with --device cpu", e);
        }
#else
        const string help = "this build uses the CPU ONNX Runtime package. For CUDA, build with " +
                            "`dotnet build -p:OnnxRuntimeGpu=true` (package Microsoft.ML.OnnxRuntime.Gpu.Linux, Linux x64) and run it on a machine with " +
                            CudaDiagnosis.Requirements + ", or use --device cpu";
        try
        {
            so.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new RuntimeUnavailableException($"CUDA requested, but {help}", e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new RuntimeUnavailableException($"CUDA device {deviceId} is not usable ({e.Message}); {help}", e);
        }
#endif
    }
}
