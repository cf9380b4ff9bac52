using OnnxAblation.Ablation.Evaluation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Tests.Library;

/// <summary><see cref="AblationSession.Paths"/> says, before anything runs, the path an evaluation then takes.</summary>
public class LayerPathTests
{
    [Fact]
    public void The_paths_said_before_running_are_the_paths_an_evaluation_takes()
    {
        string model = TestPaths.Model("fmnist-vgg/model-bn.onnx");
        var data = DataSets.Load($"idx:{TestPaths.FashionMnist}/t10k", 40);
        var session = AblationSession.Open(global::OnnxAblation.Onnx.OnnxModel.Load(model), data);
        foreach (var mode in new[] { ModeSpec.ZeroIn, ModeSpec.Parse("noise:0.5") })
        {
            var said = session.Paths(mode: mode);
            Assert.Equal(session.Units.HiddenLayers.Select(l => l.Name), said.Select(p => p.Layer));
            using var evaluator = new FastEvaluator(session.Units, data, mode, new InferenceOptions { Threads = 1 });
            evaluator.Evaluate(session.Units.HiddenLayers.Select(l => (IReadOnlyList<UnitSet>)[new UnitSet(l.Name, [0])]).ToList(), (_, _) => { });
            foreach (var p in said)
            {
                Assert.Equal(p.Fast ? "fast" : "reference: " + p.Reason, evaluator.Paths[p.Layer]);
                Assert.Equal(p.Fast, p.Reason is null);
            }
        }
        Assert.All(session.Paths(), p => Assert.True(p.Fast, p.Reason));
        Assert.All(session.Paths(mode: ModeSpec.Parse("noise:0.5")), p => Assert.False(p.Fast));
    }

    [Fact]
    public void Without_data_or_a_static_input_the_sample_shape_is_asked_for()
    {
        var b = new Support.GraphBuilder().Input("x", -1, -1).Output("y", -1, 3);
        b.Node("MatMul", [b.Node("Relu", [b.Node("MatMul", ["x", b.Init("w1", [4, 5], new float[20])], name: "fc1")]), b.Init("w2", [5, 3], new float[15])], output: "y", name: "fc2");
        var session = AblationSession.Open(b.Build(), null);
        var e = Assert.Throws<ArgumentException>(() => session.Paths());
        Assert.Contains("give the sample shape", e.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(session.Paths([4])).Fast);
    }
}
