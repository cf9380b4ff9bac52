using System.Diagnostics;
using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Tests.Support;

/// <summary>Watches the store a running <c>onnx-ablate</c> writes.</summary>
internal static class StoreWatch
{
    /// <summary>Records in the store (0 before its schema is written); opening runs SQLite's quick check.</summary>
    public static int Count(string store)
    {
        if (!File.Exists(store) || new FileInfo(store).Length == 0) return 0;
        try
        {
            using var s = ResultStore.OpenExisting(store);
            return s.Count;
        }
        catch (StoreFormatException e) when (e.Message.Contains("without tables", StringComparison.Ordinal))
        {
            return 0; // created, schema not committed yet
        }
    }

    /// <summary>Polls until the store holds at least <paramref name="records"/> records; fails if the process ends first.</summary>
    public static void WaitForRecords(Process p, string store, int records)
    {
        ArgumentNullException.ThrowIfNull(p);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!p.HasExited && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(15);
            try
            {
                if (Count(store) >= records) return;
            }
            catch (StoreFormatException) { } // caught between creating the file and writing its header
        }
        Assert.False(p.HasExited, "the study finished before the test could act");
    }
}
