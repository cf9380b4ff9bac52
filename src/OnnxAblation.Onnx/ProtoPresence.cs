using Google.Protobuf;
using Onnx;

namespace OnnxAblation.Onnx;

/// <summary>
/// What the proto2 schema the project compiled before OnnxSharp told by field presence, in OnnxSharp's proto3 schema:
/// raw_data counts as present when it holds bytes (a tensor without elements reads the same either way).
/// </summary>
public static class ProtoPresence
{
    /// <summary>Whether the tensor's values are in <c>raw_data</c> (not in the typed fields or external data).</summary>
    public static bool HasRawData(this TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return !tensor.RawData.IsEmpty;
    }

    public static void ClearRawData(this TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.RawData = ByteString.Empty;
    }

    public static void ClearDataLocation(this TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
    }
}
