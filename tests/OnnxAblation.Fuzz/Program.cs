using OnnxAblation.Fuzz;
using SharpFuzz;

// onnx-ablation-fuzz TARGET WORKDIR           : one AFL++ fuzzing process (tools/fuzz.sh starts it under afl-fuzz)
// onnx-ablation-fuzz --seeds OUTDIR REPO      : writes every target's seed inputs under OUTDIR/TARGET/ and the
//                                               workspace of valid files under OUTDIR/workspace (uninstrumented build)
// onnx-ablation-fuzz --replay TARGET FILE...  : runs inputs once (a finding is rethrown with its stack trace)
if (args.Length >= 3 && args[0] == "--seeds")
{
    var w = Workspace.Create(Path.Combine(args[1], "workspace"), args[2]);
    foreach (var (target, name, bytes) in w.Seeds(args[2]))
    {
        Directory.CreateDirectory(Path.Combine(args[1], target));
        File.WriteAllBytes(Path.Combine(args[1], target, name), bytes);
    }
    return 0;
}
if (args.Length >= 4 && args[0] == "--replay")
{
    var target = FuzzTargets.Get(args[1]);
    var w = Workspace.Create(Path.Combine(Path.GetTempPath(), "onnx-ablation-fuzz-replay-" + Environment.ProcessId), args[2]);
    foreach (string file in args[3..])
    {
        string? refused = FuzzTargets.Run(target, File.ReadAllBytes(file), w);
        Console.WriteLine(refused is null ? $"loaded  {file}" : $"refused {file}: {refused}");
    }
    return 0;
}
if (args.Length == 2)
{
    var target = FuzzTargets.Get(args[0]);
    var w = Workspace.Open(args[1]);
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        FuzzTargets.Run(target, ms.ToArray(), w);
    });
    return 0;
}
Console.Error.WriteLine("usage: onnx-ablation-fuzz TARGET WORKDIR | --seeds OUTDIR REPO | --replay TARGET REPO FILE...");
Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
return 2;
