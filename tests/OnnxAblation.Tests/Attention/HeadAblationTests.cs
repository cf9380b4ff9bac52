using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using OnnxAblation.Tests.Corpus;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Attention;

/// <summary>
/// Heads of a real torch.onnx ViT export (the corpus ViT: fused Q/K/V projection split by Slice, head split by
/// Reshape/Transpose with shapes computed from Shape ops, Gemm output projection) are found and ablated exactly: every
/// mode's result equals the same model with the head's slice of the context replaced in the graph (0, or its mean).
/// </summary>
public class HeadAblationTests
{
    private static readonly InferenceOptions Options = new() { Threads = 2, BatchSize = 100 };

    private static (OnnxModel Model, Dataset Data, ModelUnits Units) Vit()
    {
        using var doc = TorchvisionCorpus.LoadOracle();
        var model = OnnxModel.Load(Path.Combine(TorchvisionCorpus.Directory, "vit-distinct-default.onnx"));
        var data = TorchvisionCorpus.LoadData(doc.RootElement);
        return (model, data, UnitDiscovery.Discover(model, data.SampleShape));
    }

    [Fact]
    public void Heads_of_the_torch_export_are_found_with_their_values_and_output_projection()
    {
        var (_, _, units) = Vit();
        Assert.Equal(2, units.HeadLayers.Count);
        var a = units.HeadLayers[0].Attention!;
        Assert.Equal("/encoder/layers/encoder_layer_0/self_attention/heads", units.HeadLayers[0].Name);
        Assert.Equal((4, 16, 128), (a.HeadCount, a.HeadSize, a.ValueOffset)); // V is the last third of the fused in_proj
        Assert.Equal("/encoder/layers/encoder_layer_0/self_attention/MatMul", a.ValueLayer);
        Assert.Equal("/encoder/layers/encoder_layer_0/self_attention/Gemm", a.OutputLayer);
        Assert.Equal(4, units.HeadLayers[0].UnitCount);
        Assert.DoesNotContain(units.HeadLayers[0], units.Layers); // default sweeps stay over weight layers
    }

    [Theory]
    [InlineData("zero-in", 0)]
    [InlineData("zero-in", 3)]
    [InlineData("zero-out", 1)]
    [InlineData("mean", 2)]
    public void A_head_ablation_equals_its_context_slice_replaced_in_the_graph(string mode, int head)
    {
        var (model, data, units) = Vit();
        var layer = units.HeadLayers[1];
        var a = layer.Attention!;
        var spec = ModeSpec.Parse(mode);
        var means = spec.Mode.NeedsUnitMeans ? UnitMeans.Compute(units, [layer], data, Options) : null;
        var replaced = a.ContextChannels(head).ToDictionary(c => c, c => means is null ? 0f : (float)means[layer.Name][c]);
        var oracle = Evaluator.Evaluate(ActivationReplace.LastAxis(units.Model, a.ContextTensor, a.Width, replaced), data, Options);
        var engine = Evaluator.Evaluate(Ablator.Apply(units, [new UnitSet(layer.Name, [head])], spec, means), data, Options);
        Assert.Equal(oracle.Predicted, engine.Predicted);
        Assert.Equal(oracle.MeanLoss, engine.MeanLoss, 4);
        var intact = Evaluator.Evaluate(model, data, Options);
        Assert.NotEqual(intact.Predicted, engine.Predicted); // the head did something
    }

    [Fact]
    public void Several_heads_at_once_and_the_fast_path_agree_with_the_reference_path()
    {
        var (_, data, units) = Vit();
        var layer = units.HeadLayers[0];
        IReadOnlyList<IReadOnlyList<UnitSet>> ablations = [[new UnitSet(layer.Name, [0])], [new UnitSet(layer.Name, [1, 2])], [new UnitSet(layer.Name, [0, 1, 2, 3])]];
        var reference = new EvaluationResult[3];
        var fast = new EvaluationResult[3];
        using (var r = new ReferenceEvaluator(units, data, ModeSpec.ZeroIn, Options)) r.Evaluate(ablations, (i, x) => reference[i] = x);
        using (var f = new FastEvaluator(units, data, ModeSpec.ZeroIn, Options))
        {
            f.Evaluate(ablations, (i, x) => fast[i] = x);
            Assert.True(f.FastCount == 3, string.Join("; ", f.Notes));
        }
        var a = layer.Attention!;
        var all = Enumerable.Range(0, a.Width).ToDictionary(c => c, _ => 0f);
        var oracle = Evaluator.Evaluate(ActivationReplace.LastAxis(units.Model, a.ContextTensor, a.Width, all), data, Options);
        Assert.Equal(oracle.Predicted, reference[2].Predicted);
        for (int i = 0; i < 3; i++) Assert.Equal(reference[i].Predicted, fast[i].Predicted);
    }

    [Fact]
    public void Transformer_blocks_are_the_attention_and_mlp_output_layers_and_removing_one_leaves_the_residual_stream()
    {
        var (_, data, units) = Vit();
        Assert.Equal(
            [("attention", "/encoder/layers/encoder_layer_0/self_attention/Gemm"), ("mlp", "/encoder/layers/encoder_layer_0/mlp/mlp.3/MatMul"),
             ("attention", "/encoder/layers/encoder_layer_1/self_attention/Gemm"), ("mlp", "/encoder/layers/encoder_layer_1/mlp/mlp.3/MatMul")],
            units.Blocks.Select(b => (b.Kind, b.Layer)));
        // the MLP block of layer 1 contributes exactly 0 when its output layer is ablated: its output tensor is all 0
        var block = units[units.Blocks[3].Layer];
        var ablated = Ablator.Apply(units, [new UnitSet(block.Name, Enumerable.Range(0, block.UnitCount).ToArray())], ModeSpec.ZeroIn);
        var oracle = ActivationReplace.LastAxis(units.Model, block.UnitTensor, block.UnitCount, Enumerable.Range(0, block.UnitCount).ToDictionary(c => c, _ => 0f));
        Assert.Equal(Evaluator.Evaluate(oracle, data, Options).Predicted, Evaluator.Evaluate(ablated, data, Options).Predicted);
    }

    [Fact]
    public void Removal_across_layers_plans_prefixes_whose_keys_the_report_rebuilds()
    {
        var (_, _, units) = Vit();
        var planner = new OnnxAblation.Ablation.Studies.StudyPlanner(units, ModeSpec.ZeroIn);
        var layers = units.HeadLayers.Select(l => l.Name).Reverse().ToList(); // any order in, graph order out
        var items = planner.AcrossItems(layers);
        Assert.Equal(8, items.Count);
        Assert.Equal(units.HeadLayers[0].Name, items[0].Layer);
        var order = OnnxAblation.Ablation.Studies.StudyPlanner.RandomOrder(8, 1);
        var planned = planner.CumulativeAcross(order.Select(i => items[i]).ToList(), "cumulative-across:random-s1").ToList();
        var curve = new OnnxAblation.Ablation.Studies.AcrossCurve(ModeSpec.ZeroIn.ToString(), units.HeadLayers.Select(l => (l.Name, l.UnitCount)).ToList());
        Assert.Equal(planned.Select(p => p.Key), curve.Keys(order));
        Assert.Equal(2, planned[^1].Sets.Count); // all heads of both layers in the last prefix
    }
}
