using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Recovery.Tests;

/// <summary>Every reference model in models/: the TorchSharp module equals ONNX Runtime on 64 real test digits.</summary>
public class ReferenceModelTests(ITestOutputHelper output)
{
    private const int Samples = 64;

    /// <summary>Every .onnx file under models/ (relative paths); whatever reference models this checkout has.</summary>
    public static TheoryData<string> ReferenceModels()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(TestPaths.Models, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(TestPaths.Models, f));
        return data;
    }

    [Fact]
    public void The_mnist_mlp_reference_model_is_present()
    {
        Assert.True(File.Exists(TestPaths.Model("mnist-mlp-20-10/model.onnx")), "models/mnist-mlp-20-10/model.onnx is missing");
    }

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void Forward_equals_onnx_runtime_on_real_samples(string relative)
    {
        var model = OnnxModel.Load(TestPaths.Model(relative));
        // real samples of the data the model was trained on: Fashion-MNIST for the fmnist models, else the digits
        var fashion = relative.StartsWith("fmnist", StringComparison.Ordinal) ? FashionMnist.Test : null;
        var data = ShapedFor(model, fashion is null ? MnistDigits.Test.Take(Samples) : Flat(fashion.Take(Samples)));
        float[] ort;
        using (var session = ModelSession.Create(model, new InferenceOptions { Threads = 2 }, data.SampleShape))
            ort = Evaluator.Predict(session, data);

        using var module = new OnnxTorchModule(model);
        module.eval();
        long[] shape = [Samples, .. data.SampleShape.Select(d => (long)d)];
        var (mine, outShape) = Compare.Torch(module, data.Features, shape.Select(d => (int)d).ToArray());
        Assert.Equal(Samples, outShape[0]);
        double max = Compare.MaxAbsDiff(ort, mine);
        output.WriteLine($"{relative} on {data.Spec}: max |ORT - torch| over {Samples} samples × {ort.Length / Samples} outputs = {max:g3}");
        Assert.True(max <= 1e-4, $"{relative}: max |ORT - torch| = {max:g4}");

        // Training mode runs too (batch statistics, dropout) and gives finite outputs of the same shape.
        module.train();
        var (trained, trainShape) = Compare.Torch(module, data.Features, shape.Select(d => (int)d).ToArray());
        Assert.Equal(outShape, trainShape);
        Assert.All(trained, v => Assert.True(float.IsFinite(v)));
    }

    private static Dataset Flat(Dataset images) => new(images.Features, images.Labels, [images.SampleSize], images.ClassNames, images.Spec);

    /// <summary>The samples as [784] or [1,28,28], whichever the model's input wants.</summary>
    internal static Dataset ShapedFor(OnnxModel model, Dataset flat)
    {
        var index = model.Index();
        var shape = index.DeclaredShape(index.RealInputs[0].Name);
        return shape is { Length: 4 } ? MnistDigits.AsImages(flat) : flat;
    }
}
