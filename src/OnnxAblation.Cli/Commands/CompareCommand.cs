using System.CommandLine;
using System.Globalization;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Spectre.Console;

namespace OnnxAblation.Cli.Commands;

/// <summary>
/// <c>onnx-ablate compare A.onnx B.onnx --data SPEC</c>: the same zero-in study (every single unit, every whole hidden
/// layer) on two models, each into its own resumable store, reported side by side; layers paired by position and units
/// matched by their per-class drop profiles when the architectures match.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var modelA = new Argument<string>("a") { Description = "first ONNX model (A)" };
        var modelB = new Argument<string>("b") { Description = "second ONNX model (B)" };
        var storeDir = new Option<string?>("--store-dir") { Description = "folder of the two study stores, named after the models (default: the current directory); rerunning resumes" };
        var initA = new Option<string?>("--init-a") { Description = "A's initial weights, the Mann-Whitney reference (default: PyTorch's default uniform init)" };
        var initB = new Option<string?>("--init-b") { Description = "B's initial weights, the Mann-Whitney reference (default: PyTorch's default uniform init)" };
        var report = new Option<string?>("--report") { Description = "write the comparison as Markdown here" };
        var json = new Option<string?>("--json") { Description = "write the comparison as JSON here" };
        var exact = new Option<bool>("--exact-reference") { Description = "evaluate every ablation the slow, obvious way instead of the fast path" };
        var c = new Command("compare", "Run the same ablation study on two models and compare them: baselines, layer sensitivity, class-selective units, metric correlations, matched units");
        c.Arguments.Add(modelA);
        c.Arguments.Add(modelB);
        common.Data.Required = true;
        foreach (var o in new Option[] { common.Data, common.Limit, storeDir, initA, initB, report, json, exact, common.Threads, common.Device, common.BatchSize, common.Memory })
            c.Options.Add(o);
        c.SetAction(r => Run.Guarded(cancellation =>
        {
            string pathA = r.GetValue(modelA)!, pathB = r.GetValue(modelB)!;
            var a = OnnxModel.Load(pathA);
            var b = OnnxModel.Load(pathB);
            OnnxModel? ia = r.GetValue(initA) is { } x ? OnnxModel.Load(x) : null;
            OnnxModel? ib = r.GetValue(initB) is { } y ? OnnxModel.Load(y) : null;
            int? limit = r.GetValue(common.Limit);
            var data = common.LoadData(r)!;
            var options = new SessionOptions { Limit = limit, Inference = common.Inference(r), Memory = common.Budget(r) };
            var (storeA, storeB) = StorePaths(pathA, pathB, r.GetValue(storeDir) ?? Directory.GetCurrentDirectory(), limit);
            var comparison = Run.Staged(p => AblationSession.Compare(AblationSession.Open(a, data, options), AblationSession.Open(b, data, options),
                storeA, storeB, ia, ib, r.GetValue(exact), p, cancellation));
            var (sa, sb, matches, mismatch) = comparison;
            string dataText = StoreMetadata.DescribeData(data.Spec, limit);
            var doc = CompareReport.Build(sa, sb, dataText, data.Count, data.ClassNames, matches, mismatch);
            doc.WriteConsole(AnsiConsole.Console);
            if (r.GetValue(report) is { } md)
            {
                using var w = new StreamWriter(md);
                doc.WriteMarkdown(w);
            }
            if (r.GetValue(json) is { } j) CompareReport.ToJson(sa, sb, dataText, matches, mismatch, j);
            return 0;
        }));
        return c;
    }

    /// <summary>
    /// Store files named after the models: the file stems, or the parent folders' names when the stems are equal
    /// (models/x/model.onnx vs models/y/model.onnx), with ".firstN" for a --limit run.
    /// </summary>
    internal static (string A, string B) StorePaths(string a, string b, string dir, int? limit)
    {
        static string Stem(string p) => Path.GetFileNameWithoutExtension(p);
        static string Folder(string p) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(p))) ?? "";
        string na = Stem(a), nb = Stem(b);
        if (na == nb && Folder(a) != Folder(b) && Folder(a).Length > 0 && Folder(b).Length > 0)
        {
            na = Folder(a) + "-" + na;
            nb = Folder(b) + "-" + nb;
        }
        if (na == nb)
        {
            na += "-a";
            nb += "-b";
        }
        string suffix = (limit is int n ? ".first" + n.ToString(CultureInfo.InvariantCulture) : "") + ".study.db";
        return (Path.Combine(dir, na + suffix), Path.Combine(dir, nb + suffix));
    }
}
