using System.Globalization;
using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Recovery;

/// <summary>Typed reads of a node's attributes, with defaults.</summary>
internal static class NodeAttributes
{
    public static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static bool Has(NodeProto node, string name) => Find(node, name) is not null;

    public static long Int(NodeProto node, string name, long fallback) => Find(node, name) is { } a ? a.I : fallback;

    public static float Float(NodeProto node, string name, float fallback) => Find(node, name) is { } a ? a.F : fallback;

    public static string String(NodeProto node, string name, string fallback) =>
        Find(node, name) is { } a ? a.S.ToStringUtf8() : fallback;

    public static long[]? Ints(NodeProto node, string name) => Find(node, name) is { } a ? a.Ints.ToArray() : null;

    public static float[]? Floats(NodeProto node, string name) => Find(node, name) is { } a ? a.Floats.ToArray() : null;

    /// <summary>The attribute, or a <see cref="RecoveryException"/> naming the node when it is missing.</summary>
    public static long[] RequiredInts(NodeProto node, string name) =>
        Ints(node, name) ?? throw new RecoveryException($"{Describe(node)} has no '{name}' attribute, which it needs");

    public static string Describe(NodeProto node) =>
        string.Create(CultureInfo.InvariantCulture, $"{node.OpType} node '{GraphIndex.DisplayName(node)}'");
}
