namespace OnnxAblation.Recovery;

/// <summary>
/// Recovery training cannot proceed: an operator the TorchSharp executor does not support, a graph it cannot run,
/// options that make no sense, or a damage that cannot be held. The message names the problem.
/// </summary>
public sealed class RecoveryException : Exception
{
    public RecoveryException()
    {
    }

    public RecoveryException(string message)
        : base(message)
    {
    }

    public RecoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
