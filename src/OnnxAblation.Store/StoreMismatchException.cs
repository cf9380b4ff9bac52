namespace OnnxAblation.Ablation.Store;

/// <summary>
/// A result store (or one of several stores being merged) belongs to another model, data set or label set than
/// the one asked for. The message names the file(s), the field and both values.
/// </summary>
public sealed class StoreMismatchException : Exception
{
    public StoreMismatchException() { }

    public StoreMismatchException(string message) : base(message) { }

    public StoreMismatchException(string message, Exception inner) : base(message, inner) { }

    internal StoreMismatchException(string message, string path, string field, string storedValue, string requestedValue)
        : base(message)
    {
        Path = path;
        Field = field;
        StoredValue = storedValue;
        RequestedValue = requestedValue;
    }

    /// <summary>The store file that was refused.</summary>
    public string? Path { get; }

    /// <summary>The metadata field that differs (model_sha256, data_spec, samples, classes, labels).</summary>
    public string? Field { get; }

    /// <summary>The value recorded in the store (for labels: a description of the first difference).</summary>
    public string? StoredValue { get; }

    /// <summary>The value of the run (or of the other store) that did not match.</summary>
    public string? RequestedValue { get; }
}
