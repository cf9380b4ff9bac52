using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using Onnx;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// One session per layer whose ablated tensors (weights, bias, BatchNorm parameters, or the consumers' weights
/// for zero-out) are overridable initializers: rewritten values are fed at Run, so no session is created per
/// ablation. ONNX Runtime then treats those weights as non-constant (no pre-packing or layout optimisation),
/// which is why the masked fast path is preferred; this path serves modes a mask cannot express and the benchmark.
/// </summary>
public sealed class OverridableEvaluator : IAblationEvaluator
{
    private readonly ModelUnits _units;
    private readonly Dataset _data;
    private readonly ModeSpec _mode;
    private readonly InferenceOptions _options;
    private readonly UnitMeans? _means;
    private readonly ReferenceEvaluator _reference;
    private readonly OutputKind _kind;
    private readonly Dictionary<string, LayerSession> _sessions = new(StringComparer.Ordinal);

    public OverridableEvaluator(ModelUnits units, Dataset data, ModeSpec mode, InferenceOptions options, UnitMeans? means = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        _units = units;
        _data = data;
        _mode = mode;
        _options = options;
        _means = means;
        _reference = new ReferenceEvaluator(units, data, mode, options, means);
        _kind = OutputKinds.Of(units.Model);
    }

    public string Name => "overridable";

    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult)
    {
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        for (int i = 0; i < ablations.Count; i++)
        {
            var sets = ablations[i];
            var ablated = sets.Count == 0 ? _units.Model : Ablator.Apply(_units, sets, _mode, _means);
            if (sets.Count != 1 || ablated.Graph.Node.Count != _units.Model.Graph.Node.Count)
            {
                onResult(i, _reference.EvaluateOne(sets));
                continue;
            }
            var session = Session(_units[sets[0].Layer]);
            onResult(i, session.Evaluate(ablated, _data, _kind, _reference.IntactOutputs));
        }
    }

    private LayerSession Session(Layer layer)
    {
        if (_sessions.TryGetValue(layer.Name, out var s)) return s;
        var touched = _mode.Mode.Touched(_units, layer, 0).Select(t => t.Tensor).Distinct().ToList();
        if (layer.BiasName is not null && !touched.Contains(layer.BiasName)) touched.Add(layer.BiasName);
        return _sessions[layer.Name] = new LayerSession(_units.Model, touched, _data, _options, _reference.OutputWidth);
    }

    public void Dispose()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        _reference.Dispose();
    }

    private sealed class LayerSession : IDisposable
    {
        private readonly GraphSession _session;
        private readonly List<string> _tensors;
        private readonly TensorBuffer[] _weights;
        private readonly Dictionary<int, (TensorBuffer Input, TensorBuffer Output, GraphBinding Binding)> _bound = new();
        private readonly string _input;
        private readonly string _output;
        private readonly long[] _sampleDims;
        private readonly TensorLayout _layout;
        private readonly int _width;
        private readonly int _batch;

        public LayerSession(OnnxModel model, List<string> tensors, Dataset data, InferenceOptions options, int width)
        {
            _tensors = tensors;
            var m = model.Clone();
            foreach (var t in tensors)
            {
                var init = m.Initializer(t);
                var tt = new TypeProto.Types.Tensor { ElemType = init.DataType, Shape = new TensorShapeProto() };
                foreach (long d in init.Dims) tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
                m.Graph.Input.Add(new ValueInfoProto { Name = t, Type = new TypeProto { TensorType = tt } });
                if (init.DataType != 1) throw new AblationException($"overridable tensor '{t}' is not float32");
            }
            if (m.Proto.IrVersion < 4) m.Proto.IrVersion = 4;
            _session = new GraphSession(m, options);
            _weights = tensors.Select(t => new TensorBuffer(model.Initializer(t).Dims.ToArray())).ToArray();
            var g = model.Index();
            _input = g.RealInputs[0].Name;
            _output = model.Graph.Output[0].Name;
            var declared = g.DeclaredShape(_input) ?? [];
            _sampleDims = declared.Skip(1).Select((d, i) => d ?? data.SampleShape[i]).ToArray();
            _layout = BatchCopier.LayoutFor(data.SampleShape, [null, .. _sampleDims.Select(d => (long?)d)]);
            _width = width;
            _batch = Math.Max(1, options.BatchSize);
        }

        public EvaluationResult Evaluate(OnnxModel ablated, Dataset data, OutputKind kind, float[] intact)
        {
            for (int t = 0; t < _tensors.Count; t++) TensorCodec.ReadInto(ablated.Initializer(_tensors[t]), _weights[t].Data);
            var outputs = new float[data.Count * _width];
            for (int start = 0; start < data.Count; start += _batch)
            {
                int b = Math.Min(_batch, data.Count - start);
                if (!_bound.TryGetValue(b, out var x))
                {
                    var input = new TensorBuffer([b, .. _sampleDims]);
                    var output = new TensorBuffer(b, _width);
                    x = (input, output, _session.Bind([_input, .. _tensors], [input, .. _weights], [_output], [output]));
                    _bound[b] = x;
                }
                BatchCopier.Copy(data, start, b, _layout, x.Input.Data);
                _session.Run(x.Binding);
                x.Output.Data.CopyTo(outputs.AsSpan(start * _width));
            }
            return Evaluator.Score(outputs, _width, data, kind, intact, ablated.Source);
        }

        public void Dispose()
        {
            foreach (var (i, o, _) in _bound.Values) { i.Dispose(); o.Dispose(); }
            foreach (var w in _weights) w.Dispose();
            _session.Dispose();
        }
    }
}
