using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Corpus;

/// <summary>
/// Layers of real exports whose cut is crossed by int64 shape arithmetic (torchvision's channel shuffle:
/// Shape → Gather → Div → Reshape; the ViT's class token and head split) take the fast path: the shape arithmetic is
/// recomputed after the cut from the float tensors it comes from. Same predictions as the reference path.
/// </summary>
public class FastCoverageTests(ITestOutputHelper output)
{
    private static readonly InferenceOptions Options = new() { Threads = 2, BatchSize = 64 };

    [Theory]
    [InlineData("shufflenet_v2_x0_5-distinct-default.onnx", "/stage3/stage3.0/branch2/branch2.5/Conv")]
    [InlineData("shufflenet_v2_x0_5-distinct-default.onnx", "/stage2/stage2.1/branch2/branch2.0/Conv")]
    [InlineData("vit-distinct-default.onnx", "/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul")]
    public void Shape_arithmetic_crossing_the_cut_is_recomputed_and_the_layer_runs_fast(string file, string layerName) =>
        FastEqualsReference(file, layerName);

    /// <summary>
    /// The ViT's attention output projections work on [T·B, C] (torch's MultiheadAttention folds the batch into the
    /// tokens, token-major): the tensor crosses the cut unfolded, in the order its values show, and is folded back after.
    /// </summary>
    [Theory]
    [InlineData("vit-distinct-default.onnx", "/encoder/layers/encoder_layer_0/self_attention/Gemm")]
    [InlineData("vit-distinct-default.onnx", "/encoder/layers/encoder_layer_1/self_attention/Gemm")]
    public void Batch_folded_into_tokens_is_unfolded_across_the_cut_and_runs_fast(string file, string layerName) =>
        FastEqualsReference(file, layerName);

    /// <summary>
    /// EfficientNet's late layers sit hundreds of nodes deep (their float type was once not traced that far, and they
    /// fell back), and its squeeze-excitation convolutions feed Sigmoid → Mul; SiLU follows the others.
    /// </summary>
    [Theory]
    [InlineData("efficientnet_b0-distinct-default.onnx", "/features/features.8/features.8.0/Conv")]
    [InlineData("efficientnet_b0-distinct-default.onnx", "/features/features.6/features.6.3/block/block.2/fc2/Conv")]
    [InlineData("efficientnet_b0-distinct-default.onnx", "/features/features.6/features.6.3/block/block.2/fc1/Conv")]
    public void Deep_layers_and_squeeze_excitation_convolutions_run_fast(string file, string layerName) =>
        FastEqualsReference(file, layerName);

    /// <summary>
    /// Models that fix their batch size (the ONNX zoo's: input [1, 3, 224, 224], Reshape to [1, 9216]) are cut in that
    /// size: prefix runs of one padded batch, one ablation per suffix run. AlexNet's convolutions and FC layers; an
    /// Inception branch (a parallel branch cached in the prefix too).
    /// </summary>
    [Theory]
    [InlineData("bvlc_alexnet", "n4")]
    [InlineData("bvlc_alexnet", "n16")]
    [InlineData("inception_v1", "n12")]
    public void Fixed_batch_models_run_fast_in_their_batch_size(string name, string layerName)
    {
        var entry = ZooCorpusModel.EntryFor(name);
        var model = OnnxModel.Load(Path.Combine(TestPaths.Root, entry.GetProperty("file").GetString()!));
        string inputs = Path.Combine(TestPaths.Root, ZooCorpusModel.Oracle.GetProperty("inputs").GetString()!);
        string labels = Path.Combine(TestPaths.Root, ZooCorpusModel.Oracle.GetProperty("labels").GetString()!);
        var data = global::OnnxAblation.Runtime.ClassScores.Fit(model, global::OnnxAblation.Data.DataSets.Load($"npy:{inputs},{labels}").Take(5));
        Compare(model, data, layerName, name);
    }

    private void FastEqualsReference(string file, string layerName)
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var model = OnnxModel.Load(Path.Combine(TorchvisionCorpus.Directory, file));
        Compare(model, TorchvisionCorpus.LoadData(doc.RootElement).Take(64), layerName, file);
    }

    private void Compare(OnnxModel model, global::OnnxAblation.Data.Dataset data, string layerName, string file)
    {
        var units = UnitDiscovery.Discover(model, data.SampleShape);
        var layer = units[layerName];
        IReadOnlyList<IReadOnlyList<UnitSet>> ablations = [.. Enumerable.Range(0, Math.Min(6, layer.UnitCount)).Select(u => (IReadOnlyList<UnitSet>)[new UnitSet(layer.Name, [u])])];
        var reference = new EvaluationResult[ablations.Count];
        var fast = new EvaluationResult[ablations.Count];
        using (var r = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, Options)) r.Evaluate(ablations, (i, x) => reference[i] = x);
        using (var f = new FastEvaluator(units, data, ModeSpec.ZeroIn, Options))
        {
            f.Evaluate(ablations, (i, x) => fast[i] = x);
            Assert.True(f.FastCount == ablations.Count, $"{file} {layerName}: {f.FastCount} of {ablations.Count} fast; {string.Join("; ", f.Notes)}");
        }
        for (int i = 0; i < ablations.Count; i++)
        {
            Assert.Equal(reference[i].Predicted, fast[i].Predicted);
            Assert.Equal(reference[i].MeanLoss, fast[i].MeanLoss, 4);
        }
        output.WriteLine($"{file} {layerName}: {ablations.Count} ablations on the fast path equal the reference path");
    }
}
