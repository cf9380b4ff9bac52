using OnnxAblation.Ablation;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Onnx;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Ablation;

/// <summary>Modes are objects listed once in <see cref="AblationMode.All"/>: each parses, keys, rewrites and says what it needs.</summary>
public class ModeObjectTests
{
    // fc1 (3 units) → relu → fc2: the hand-worked graph of RewriteSemanticsTests.
    private static ModelUnits Units()
    {
        var b = new GraphBuilder().Input("x", -1, 2).Output("y", -1, 2);
        string h = b.Node("Gemm", ["x", b.Init("W1", [3, 2], 1, 2, 3, 4, 5, 6), b.Init("C1", [3], 0.5f, -1, 2)], name: "fc1", attributes: ("transB", 1L));
        string a = b.Node("Relu", [h], name: "relu1");
        b.Node("Gemm", [a, b.Init("W2", [3, 2], 1, 0, 0, 1, 1, 1)], output: "y", name: "fc2");
        return UnitDiscovery.Discover(b.Build());
    }

    public static TheoryData<string> Keys() => new(AblationMode.All.Select(m => m.Key));

    [Fact]
    public void Keys_are_distinct_and_every_alias_names_one_mode()
    {
        var names = AblationMode.All.SelectMany(m => m.Aliases.Prepend(m.Key)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("zero-in, zero-out, mean, noise[:sigma], scale[:factor]", ModeSpec.Choices);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_mode_parses_from_its_key_and_keys_results_by_it(string key)
    {
        var spec = ModeSpec.Parse(key, seed: 3);
        Assert.Equal(key, spec.Name);
        Assert.StartsWith(key, spec.ToString(), StringComparison.Ordinal);
        Assert.Equal(spec.Mode.UsesSeed ? 3 : 0, spec.Seed);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_mode_rewrites_something_never_a_silent_no_op(string key)
    {
        var units = Units();
        var spec = ModeSpec.Parse(key, seed: 1);
        var layer = units["fc1"];
        var means = spec.Mode.NeedsUnitMeans ? UnitMeansFor(units) : null;
        var ablated = Ablator.Apply(units, [new UnitSet("fc1", [1])], spec, means);
        var changed = spec.Mode.Touched(units, layer, 1).Select(t => t.Tensor).Distinct()
            .Where(t => !units.Model.GetInitializer(t).SequenceEqual(ablated.GetInitializer(t))).ToList();
        Assert.NotEmpty(changed);
        Assert.Null(spec.Mode.Unavailable(units, layer));
    }

    [Fact]
    public void Unknown_modes_and_parameters_where_none_is_taken_are_clear_errors()
    {
        var e = Assert.Throws<AblationException>(() => ModeSpec.Parse("erase"));
        Assert.Contains("not one of zero-in, zero-out, mean, noise[:sigma], scale[:factor]", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<AblationException>(() => ModeSpec.Parse("mean:0.5"));
        Assert.Contains("mean takes no parameter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_that_needs_means_refuses_to_run_without_them()
    {
        var units = Units();
        var e = Assert.Throws<AblationException>(() => Ablator.Apply(units, [new UnitSet("fc1", [0])], ModeSpec.Parse("mean")));
        Assert.Contains("needs unit means", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_modes_that_silence_weights_exactly_can_be_held_and_only_zero_in_is_a_fast_mask()
    {
        var units = Units();
        var layer = units["fc1"];
        Assert.Equal(["zero-in", "zero-out"], AblationMode.All.Where(m => m.Held(units, layer, 0) is not null).Select(m => m.Key));
        Assert.Equal(["zero-in"], AblationMode.All.Where(m => m.FastMaskable).Select(m => m.Key));
    }

    [Fact]
    public void Zero_out_is_unavailable_on_the_output_layer_with_the_reason()
    {
        var units = Units();
        Assert.Contains("no layer reads its units", AblationMode.ZeroOut.Unavailable(units, units["fc2"]), StringComparison.Ordinal);
    }

    private static UnitMeans UnitMeansFor(ModelUnits units) =>
        UnitMeans.Compute(units, [units["fc1"]], new OnnxAblation.Data.Dataset([1, 2, 0, 1], [0, 0], [2], ["0"], "<hand>"), Run.Options);
}
