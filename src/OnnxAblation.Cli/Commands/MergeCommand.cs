using System.CommandLine;
using OnnxAblation.Ablation.Sharding;

namespace OnnxAblation.Cli.Commands;

/// <summary><c>onnx-ablate merge OUT.db SHARD.db...</c>: combine shard stores into one.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var output = new Argument<string>("output") { Description = "merged store to write" };
        var inputs = new Argument<string[]>("shards") { Description = "shard stores", Arity = ArgumentArity.OneOrMore };
        var c = new Command("merge", "Combine shard stores (same model and data) into one store equal to a single-machine run");
        c.Arguments.Add(output);
        c.Arguments.Add(inputs);
        c.SetAction(r => Run.Guarded(() =>
        {
            StoreMerger.Merge(r.GetValue(inputs)!, r.GetValue(output)!);
            Console.WriteLine($"merged {r.GetValue(inputs)!.Length} stores into {r.GetValue(output)}");
            return 0;
        }));
        return c;
    }
}
