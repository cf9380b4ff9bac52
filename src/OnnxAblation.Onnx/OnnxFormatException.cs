namespace OnnxAblation.Onnx;

/// <summary>
/// A model file or tensor that is not valid ONNX, or uses something this engine cannot handle.
/// The message always names the file (or tensor/node) and the problem.
/// </summary>
public sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message) : base(message) { }

    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }

    public OnnxFormatException() { }
}
