namespace OnnxAblation.Ablation.Store;

/// <summary>
/// A file given as a result store is not one: not a SQLite database, damaged (truncated, garbage), a SQLite
/// database of another program, or a store schema this build cannot read. The message names the file.
/// </summary>
public sealed class StoreFormatException : Exception
{
    public StoreFormatException() { }

    public StoreFormatException(string message) : base(message) { }

    public StoreFormatException(string message, Exception inner) : base(message, inner) { }
}
