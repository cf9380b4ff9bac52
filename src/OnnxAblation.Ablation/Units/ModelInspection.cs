using System.Text.Json;
using OnnxAblation.Onnx;

namespace OnnxAblation.Ablation.Units;

/// <summary>
/// The machine-readable account of a model that <c>inspect --json</c> writes: inputs and outputs, op counts, every
/// layer with its units, coupled tensors, consumers and what can be ablated (and why not), every weight-bearing node
/// that is not a layer with the reason, and the op types that stopped unit following with what that costs.
/// </summary>
public static class ModelInspection
{
    public static void WriteJson(ModelUnits units, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(stream);
        var m = units.Model;
        var g = m.Index();
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("model", m.Source);
        w.WriteNumber("ir_version", m.Proto.IrVersion);
        w.WriteNumber("opset", m.Opset);
        w.WriteString("producer", (m.Proto.ProducerName + " " + m.Proto.ProducerVersion).Trim());
        WriteValues(w, "inputs", g.RealInputs.Select(v => v.Name), g);
        WriteValues(w, "outputs", m.Graph.Output.Select(v => v.Name), g);
        w.WriteNumber("nodes", m.Graph.Node.Count);
        w.WriteNumber("parameters", m.Graph.Initializer.Sum(TensorCodec.ElementCount));
        w.WriteStartObject("ops");
        foreach (var op in m.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(x => x.Count()).ThenBy(x => x.Key, StringComparer.Ordinal))
            w.WriteNumber(op.Key, op.Count());
        w.WriteEndObject();
        w.WriteStartArray("notes");
        foreach (var n in units.Notes) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteStartArray("layers");
        foreach (var l in units.Layers) WriteLayer(w, units, l);
        w.WriteEndArray();
        w.WriteStartArray("attention");
        foreach (var l in units.HeadLayers)
        {
            var a = l.Attention!;
            w.WriteStartObject();
            w.WriteString("layer", l.Name);
            w.WriteString("scope", a.Scope);
            w.WriteNumber("heads", a.HeadCount);
            w.WriteNumber("head_size", a.HeadSize);
            w.WriteString("value_layer", a.ValueLayer);
            w.WriteNumber("value_offset", a.ValueOffset);
            w.WriteString("output_layer", a.OutputLayer);
            w.WriteString("context", a.ContextTensor);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("blocks");
        foreach (var b in units.Blocks)
        {
            w.WriteStartObject();
            w.WriteString("name", b.Name);
            w.WriteString("kind", b.Kind);
            w.WriteString("layer", b.Layer);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("not_ablatable");
        foreach (var u in units.Unmapped)
        {
            w.WriteStartObject();
            w.WriteString("node", u.Node);
            w.WriteString("op", u.OpType);
            w.WriteString("reason", u.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("stops");
        foreach (var (op, layers) in StopsByOp(units))
        {
            w.WriteStartObject();
            w.WriteString("op", op);
            w.WriteString("cost", "zero-out unavailable");
            w.WriteStartArray("layers");
            foreach (var l in layers) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Op types at which following a layer's units stopped, with those layers (zero-out is unavailable for them).</summary>
    public static IReadOnlyList<(string OpType, IReadOnlyList<string> Layers)> StopsByOp(ModelUnits units)
    {
        ArgumentNullException.ThrowIfNull(units);
        return units.Layers.Where(l => l.OutgoingStop is not null)
            .GroupBy(l => l.OutgoingStop!.Value.OpType, StringComparer.Ordinal)
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => (x.Key, (IReadOnlyList<string>)x.Select(l => l.Name).ToList())).ToList();
    }

    private static void WriteLayer(Utf8JsonWriter w, ModelUnits units, Layer l)
    {
        var g = units.Model.Graph;
        w.WriteStartObject();
        w.WriteString("name", l.Name);
        w.WriteNumber("position", l.Position);
        w.WriteString("op", l.OpType);
        w.WriteString("node", GraphIndex.DisplayName(g.Node[l.NodeIndex]));
        w.WriteString("weight", l.WeightName);
        w.WriteStartArray("weight_shape");
        foreach (var d in l.WeightShape) w.WriteNumberValue(d);
        w.WriteEndArray();
        w.WriteNumber("units", l.UnitCount);
        w.WriteString("role", l.IsOutputLayer ? "output" : "hidden");
        w.WriteStartArray("coupled");
        foreach (var s in units.Incoming(l, 0)) w.WriteStringValue(s.Tensor);
        w.WriteEndArray();
        if (l.BatchNormNodeIndex is int bn) w.WriteString("batch_norm", GraphIndex.DisplayName(g.Node[bn]));
        w.WriteString("unit_tensor", l.UnitTensor);
        w.WriteStartArray("consumers");
        foreach (var c in units.Consumers(l)) w.WriteStringValue(c.Name);
        w.WriteEndArray();
        w.WriteBoolean("zero_in", true);
        string? zeroOut = ZeroOutProblem(l) ?? (units.Consumers(l).Any() ? null : "no layer reads its units");
        w.WriteBoolean("zero_out", zeroOut is null);
        if (zeroOut is not null) w.WriteString("zero_out_reason", zeroOut);
        w.WriteEndObject();
    }

    /// <summary>Why zero-out (outgoing weights = 0) is unavailable for the layer, or null.</summary>
    public static string? ZeroOutProblem(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.OutgoingProblem is not null) return layer.OutgoingProblem;
        if (layer.OutgoingMerged) return "its units are added to another layer's channels (residual Add) before being read";
        if (layer.IsOutputLayer) return "it is the output layer: no layer reads its units";
        return null;
    }

    private static void WriteValues(Utf8JsonWriter w, string name, IEnumerable<string> tensors, GraphIndex g)
    {
        w.WriteStartArray(name);
        foreach (var t in tensors)
        {
            w.WriteStartObject();
            w.WriteString("name", t);
            w.WriteStartArray("shape");
            foreach (var d in g.DeclaredShape(t) ?? []) if (d is long v) w.WriteNumberValue(v); else w.WriteNullValue();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
