using System.CommandLine;
using System.Globalization;
using OnnxAblation.Requests;

namespace OnnxAblation.Cli.Commands;

/// <summary>What a study ablates (layers, pairs, cumulative seeds, class top-N, heads, blocks, across): shared by <c>study</c> and <c>plan</c>.</summary>
internal sealed class StudyShapeOptions
{
    private readonly Option<string?> _layers = new("--layers") { Description = "layers for single-unit sweeps and cumulative curves (default: every hidden layer)" };
    private readonly Option<string?> _pairs = new("--pairs") { Description = "layers whose unit pairs are all ablated (default: the first hidden layer; 'none' for none)" };
    private readonly Option<int> _seeds = new("--cumulative-seeds") { Description = "random orders per cumulative curve", DefaultValueFactory = _ => 5 };
    private readonly Option<string> _topN = new("--class-top") { Description = "N values for per-class top/bottom-N ablation", DefaultValueFactory = _ => "1,2,4,8" };
    private readonly Option<bool> _heads = new("--heads") { Description = "study the attention heads (Michel et al. 2019): single heads of every attention layer, pairs in the first, cumulative removal within each layer and across all of them, per-class top/bottom-N heads" };
    private readonly Option<bool> _blocks = new("--blocks") { Description = "also remove each transformer sub-block (attention, MLP) from the residual stream" };
    private readonly Option<string?> _across = new("--across") { Description = "layers whose units are removed cumulatively across all of them (default with --heads: every attention's heads)" };

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { _layers, _pairs, _seeds, _topN, _heads, _blocks, _across }) c.Options.Add(o);
    }

    /// <summary>The request these options describe (the store and the settings are filled in by <see cref="StudyOptions.Settings"/>).</summary>
    public StudyRequest Request(ParseResult r) => new()
    {
        StorePath = "",
        Layers = r.GetValue(_layers) is { } l ? Names.Split(l) : null,
        PairLayers = r.GetValue(_pairs) is { } p ? (p == "none" ? [] : Names.Split(p)) : null,
        CumulativeSeeds = r.GetValue(_seeds),
        Heads = r.GetValue(_heads),
        Blocks = r.GetValue(_blocks),
        AcrossLayers = r.GetValue(_across) is { } x ? Names.Split(x) : null,
        ClassTopN = Names.Split(r.GetValue(_topN)!).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList(),
    };
}
