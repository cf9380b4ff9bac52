namespace OnnxAblation.Tests.Support;

/// <summary>
/// A size-limited tmpfs mounted on a fresh folder for the life of the object: a small disk that fills up, or that can
/// be made read-only. Mounting needs root (CAP_SYS_ADMIN); where the machine does not allow it, the test is skipped
/// with that reason (<see cref="SkipTest"/>).
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(long bytes)
    {
        string dir = TestPaths.NewTempDirectory();
        var (code, _, err) = Shell.Run(dir, null, TimeSpan.FromSeconds(30), "mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", dir);
        if (code != 0) SkipTest.Because($"cannot mount a tmpfs here (needs root): {err.Trim()}");
        return new Tmpfs(dir);
    }

    /// <summary>Remounts read-only (or writable again).</summary>
    public void ReadOnly(bool on)
    {
        var (code, _, err) = Shell.Run(Path, null, TimeSpan.FromSeconds(30), "mount", "-o", on ? "remount,ro" : "remount,rw", Path);
        Assert.True(code == 0, err);
    }

    /// <summary>Fills the file system with a file until only about <paramref name="leave"/> bytes are free; returns it.</summary>
    public string Fill(long leave)
    {
        string filler = System.IO.Path.Combine(Path, "filler");
        long free = new DriveInfo(Path).AvailableFreeSpace;
        using var f = new FileStream(filler, FileMode.Create);
        f.SetLength(0);
        var block = new byte[4096];
        for (long n = 0; n + leave < free; n += block.Length) f.Write(block);
        return filler;
    }

    public long Free => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        Shell.Run("/", null, TimeSpan.FromSeconds(30), "umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
