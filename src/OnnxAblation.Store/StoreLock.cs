namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The writer's lock on a result store: an exclusive advisory lock (flock) on <c>STORE.lock</c> beside it, held while a
/// run has the store open for writing. A second process pointed at the same store is refused at once with a message
/// saying what to do, instead of both evaluating the same ablations. The kernel drops the lock when its holder dies
/// (SIGKILL included), so a crash never leaves a stale lock; the empty lock file stays (removing it would race a
/// process that has just opened it).
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file) => _file = file;

    /// <exception cref="IOException">Another process holds the lock, or the store's folder cannot be written.</exception>
    public static StoreLock Acquire(string storePath)
    {
        string path = storePath + ".lock";
        try
        {
            // FileShare.None: .NET takes flock(LOCK_EX | LOCK_NB) on Unix and a sharing lock on Windows.
            return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{storePath}: cannot write the result store's lock file {path} ({e.Message}): the folder is read-only "
                                  + "or not yours. Give --store a path in a folder you can write.", e);
        }
        catch (IOException e) when (e is not DirectoryNotFoundException and not PathTooLongException)
        {
            if (IsReadOnlyFileSystem(e))
                throw new IOException($"{storePath}: cannot write the result store's lock file {path}: the file system is read-only. "
                                      + "Give --store a path on a writable file system (copy the store there to resume it).", e);
            throw new IOException($"{storePath}: another process is writing this result store (it holds {path}; `fuser {path}` names it). "
                                  + "Wait for it to finish and run again to resume, or give this run another --store "
                                  + "(parallel runs write one store each and `onnx-ablate merge` joins them).", e);
        }
    }

    private static bool IsReadOnlyFileSystem(IOException e) =>
        e.HResult == 30 /* EROFS */ || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _file.Dispose();
}
