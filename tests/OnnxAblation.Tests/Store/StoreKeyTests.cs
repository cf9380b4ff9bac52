using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;

namespace OnnxAblation.Tests.Store;

/// <summary>The typed study and ablation keys write the stored text forms and read them back.</summary>
public class StoreKeyTests
{
    public static TheoryData<string> StudyTexts => new()
    {
        "baseline", "single", "pairs", "layer", "group",
        "cumulative:/fc1/MatMul:random-s3", "cumulative:input:0:impact-kl", "cumulative:fc1:metric-l1",
        "cumulative-across:random-s1", "cumulative-across:impact",
        "class-top:/conv1/Conv:c3:n2", "class-bottom:ns:layer:c0:n10",
        "something-else",
    };

    [Theory]
    [MemberData(nameof(StudyTexts))]
    public void Study_keys_round_trip(string text) => Assert.Equal(text, StudyKey.Parse(text).Format());

    [Fact]
    public void Study_keys_are_built_and_read_in_the_stored_forms()
    {
        Assert.Equal("cumulative:input:0:random-s2", StudyKey.Cumulative("input:0", StudyKey.RandomOrder(2)).Format());
        var k = StudyKey.Parse("cumulative:input:0:random-s2");
        Assert.Equal((StudyKind.Cumulative, "input:0", "random-s2", 2), (k.Kind, k.Layer, k.Order, k.RandomSeed));
        Assert.Equal("cumulative-across:impact", StudyKey.Across("impact").Format());
        Assert.Null(StudyKey.Parse("cumulative-across:impact").RandomSeed);
        Assert.Equal(StudyKey.ClassBottom("fc1", 3, 2), StudyKey.Parse("class-bottom:fc1:c3:n2"));
        Assert.Equal(StudyKey.ClassTop("fc1", 0, 1), StudyKey.Parse(StudyKey.ClassTop("fc1", 0, 1).Format()));
        Assert.Equal(StudyKind.Other, StudyKey.Parse("class-top:fc1:cx:n2").Kind);
        Assert.Equal(StudyKind.Pairs, StudyKey.Parse("pairs").Kind);
        Assert.True(StudyKey.IsRandomOrder("random-s1"));
        Assert.False(StudyKey.IsRandomOrder("impact"));
    }

    [Fact]
    public void Ablation_keys_are_built_and_read_in_the_stored_form()
    {
        Assert.Equal("baseline", AblationKey.Format("zero-in", []));
        Assert.Equal("zero-in|fc1:3,15", AblationKey.Format("zero-in", "fc1", [3, 15]));
        string text = AblationKey.Format("noise(0.5,seed=1)", [new UnitSet("conv1", [0]), new UnitSet("/block.1/fc2/Gemm", [5, 6])]);
        Assert.Equal("noise(0.5,seed=1)|conv1:0;/block.1/fc2/Gemm:5,6", text);
        Assert.True(AblationKey.TryParse(text, out var key));
        Assert.Equal("noise(0.5,seed=1)", key!.Mode);
        Assert.Equal(["conv1:0", "/block.1/fc2/Gemm:5,6"], key.Sets.Select(s => s.ToString()));
        Assert.Equal(text, key.ToString());
        Assert.Equal("noise(0.5,seed=1)", AblationKey.ModeOf(text));
        Assert.Equal("", AblationKey.ModeOf(AblationKey.Baseline));
        Assert.True(AblationKey.TryParse("baseline", out var b));
        Assert.Empty(b!.Sets);
        Assert.False(AblationKey.TryParse("zero-in|fc1:x", out _));
        Assert.False(AblationKey.TryParse("nonsense", out _));
    }
}
