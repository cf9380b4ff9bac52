namespace OnnxAblation.Ablation.Store;

/// <summary>
/// The same ablation key was stored twice with different results. Evaluations are meant to be deterministic,
/// so this is a sign of nondeterminism (or of two runs over different inputs); the message names the key,
/// the file(s) and the first differing value.
/// </summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException() { }

    public StoreConflictException(string message) : base(message) { }

    public StoreConflictException(string message, Exception inner) : base(message, inner) { }

    internal StoreConflictException(string message, string key) : base(message) => Key = key;

    /// <summary>The ablation key stored with two different results.</summary>
    public string? Key { get; }
}
