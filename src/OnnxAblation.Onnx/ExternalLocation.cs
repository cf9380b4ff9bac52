namespace OnnxAblation.Onnx;

/// <summary>Where an external tensor's bytes are: a file (absolute path once resolved), an offset and a length.</summary>
internal readonly record struct ExternalLocation(string Path, long Offset, long Length);
