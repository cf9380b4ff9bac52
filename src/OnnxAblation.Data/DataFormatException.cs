namespace OnnxAblation.Data;

/// <summary>A data file or data spec that cannot be read; the message names the file and the problem.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string message) : base(message) { }

    public DataFormatException(string message, Exception inner) : base(message, inner) { }

    public DataFormatException() { }
}
