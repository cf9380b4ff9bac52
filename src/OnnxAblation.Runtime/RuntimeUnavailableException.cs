namespace OnnxAblation.Runtime;

/// <summary>The requested execution provider (e.g. CUDA) is not in this build or not on this machine.</summary>
public sealed class RuntimeUnavailableException : Exception
{
    public RuntimeUnavailableException(string message) : base(message) { }

    public RuntimeUnavailableException(string message, Exception inner) : base(message, inner) { }

    public RuntimeUnavailableException() { }
}
