using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Runtime;

public class MetricsTests
{
    [Fact]
    public void Hand_computed_metrics()
    {
        // 3 samples, 3 classes. Sample 0 (y=0) right; sample 1 (y=1) predicted 2; sample 2 (y=2) right.
        float[] logits = [2, 0, 0, 0, 1, 3, 0, 0, 5];
        var r = Metrics.Compute(logits, 3, [0, 1, 2], OutputKind.Logits, [1, 2]);
        Assert.Equal(2.0 / 3, r.Accuracy, 12);
        Assert.Equal([1.0, 0.0, 1.0], r.ClassAccuracy);
        Assert.Equal([0, 2, 2], r.Predicted);
        Assert.Equal(1, r.Confusion[1 * 3 + 2]);
        Assert.Equal(1.0, r.TopK[2], 12); // label 1 is second-highest for sample 1
        double l0 = -(2 - Math.Log(Math.Exp(2) + 2));
        double l1 = -(1 - Math.Log(1 + Math.E + Math.Exp(3)));
        double l2 = -(5 - Math.Log(2 + Math.Exp(5)));
        Assert.Equal((l0 + l1 + l2) / 3, r.MeanLoss, 10);
        Assert.Equal(l1, r.ClassMeanLoss[1], 10);
    }

    [Fact]
    public void Log_probabilities_and_probabilities_give_the_same_loss_as_logits()
    {
        float[] logits = [1, 2, 0.5f];
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5));
        float[] logp = logits.Select(v => (float)(v - lse)).ToArray();
        float[] p = logp.Select(v => (float)Math.Exp(v)).ToArray();
        double a = Metrics.Compute(logits, 3, [0], OutputKind.Logits).MeanLoss;
        Assert.Equal(a, Metrics.Compute(logp, 3, [0], OutputKind.LogProbabilities).MeanLoss, 5);
        Assert.Equal(a, Metrics.Compute(p, 3, [0], OutputKind.Probabilities).MeanLoss, 5);
    }

    [Fact]
    public void Non_finite_outputs_are_counted_wrong()
    {
        float[] logits = [float.NaN, 0, 1, 0];
        var r = Metrics.Compute(logits, 2, [0, 0], OutputKind.Logits);
        Assert.Equal(1, r.NonFinite);
        Assert.Equal(-1, r.Predicted[0]);
        Assert.Equal(0.5, r.Accuracy); // sample 1 ([1, 0], label 0) is right
    }
}

public class BadInputTests
{
    [Fact]
    public void Cuda_on_the_cpu_build_is_a_clear_error()
    {
        var model = OnnxAblation.Onnx.OnnxModel.Load(TestPaths.Model("mnist-mlp-20-10/model.onnx"));
        var e = Assert.Throws<RuntimeUnavailableException>(() =>
            ModelSession.Create(model, new InferenceOptions { Device = DeviceSpec.Parse("cuda:0") }, [784]));
        Assert.Contains("CUDA", e.Message);
        Assert.Contains("OnnxRuntimeGpu", e.Message);
        Assert.Contains("Gpu.Linux", e.Message);
        Assert.Contains("--device cpu", e.Message);
    }

    [Fact]
    public void Cuda_diagnosis_names_the_libraries_this_machine_lacks()
    {
        if (!OperatingSystem.IsLinux()) return;
        string why = CudaDiagnosis.Describe();
        // the CPU build has no CUDA provider library: the diagnosis says so instead of guessing
        Assert.Contains("libonnxruntime_providers_cuda.so is not in this build's output", why);
        bool driver = System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out IntPtr h);
        if (driver) System.Runtime.InteropServices.NativeLibrary.Free(h);
        else Assert.Contains("not found on this machine: libcuda.so.1", why);
    }

    [Fact]
    public void Nan_inputs_are_refused_with_the_sample_named()
    {
        var e = Assert.Throws<OnnxAblation.Data.DataFormatException>(() =>
            new OnnxAblation.Data.Dataset([0f, 1f, float.NaN, 0f], [0, 0], [2], ["a"], "<nan>"));
        Assert.Contains("sample 1", e.Message);
    }

    [Fact]
    public void Data_that_does_not_fit_the_model_is_named()
    {
        var model = OnnxAblation.Onnx.OnnxModel.Load(TestPaths.Model("mnist-mlp-20-10/model.onnx"));
        var data = new OnnxAblation.Data.Dataset(new float[2 * 100], [0, 1], [100], ["a", "b"], "<small>");
        var e = Assert.Throws<OnnxAblation.Onnx.OnnxFormatException>(() => Evaluator.Evaluate(model, data, new InferenceOptions()));
        Assert.Contains("784", e.Message);
        Assert.Contains("<small>", e.Message);
    }

    [Fact]
    public void Unsupported_ops_are_named()
    {
        var b = new OnnxAblation.Tests.Support.GraphBuilder().Input("x", -1, 4).Output("y", -1, 4);
        b.Node("FancyOp", ["x"], output: "y", name: "mystery");
        var model = b.Build();
        var e = Assert.Throws<OnnxAblation.Onnx.OnnxFormatException>(() => ModelSession.Create(model, new InferenceOptions(), [4]));
        Assert.Contains("FancyOp", e.Message);
    }
}
