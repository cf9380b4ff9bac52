using System.Diagnostics;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// The fast path with the activations crossing the cut kept in the execution provider's memory (ONNX Runtime I/O
/// binding): on <c>--device cuda</c> the prefix writes them into device tensors that the suffix reads in place, and
/// the prefix cache holds device tensors, so a sweep does not copy activations through the host for every run.
/// What still crosses per run is small: the mask (K × units floats) to the device and the suffix output
/// (K × samples × classes) back; a chunk's input goes to the device once, when its prefix runs. Same chunking,
/// masks and scoring as the host path; on the CPU (FastOptions.DeviceResident = true) tests compare the two.
/// </summary>
internal sealed class ResidentLayerRunner : ILayerRunner
{
    private readonly GraphCut _cut;
    private readonly Dataset _data;
    private readonly FastOptions _fast;
    private readonly OutputKind _kind;
    private readonly GraphSession _prefix;
    private readonly GraphSession _suffix;
    private readonly Dictionary<int, Scratch> _scratch = new();
    private readonly Dictionary<int, DeviceTensor?[]> _cache = new();
    private readonly TensorLayout _layout;
    private readonly long[] _inputSampleDims;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly int _width;
    private readonly int _rowsPerRun;
    private readonly FastEvaluator.CacheBudget _budget;
    private readonly float[] _intact;
    private readonly ProfileClock _clock;
    private long _cacheBytes;
    private bool _cacheOn;
    private bool _cacheRefused;
    private int _calls;

    public ResidentLayerRunner(GraphCut cut, Dataset data, InferenceOptions options, FastOptions fast, int rowsPerRun, OutputKind kind, FastEvaluator.CacheBudget budget, float[] intact, int width, ProfileClock clock)
    {
        _clock = clock;
        _cut = cut;
        _data = data;
        _fast = fast;
        _kind = kind;
        _rowsPerRun = rowsPerRun;
        _budget = budget;
        _intact = intact;
        _width = width;
        _prefix = new GraphSession(cut.Prefix, options);
        _suffix = new GraphSession(cut.Suffix, options);
        var g = cut.Prefix.Index();
        _inputName = cut.Prefix.Graph.Input.First(v => g.InitializerOrNull(v.Name) is null).Name;
        var declared = g.DeclaredShape(_inputName) ?? [];
        _inputSampleDims = declared.Skip(1).Select((d, i) => d ?? data.SampleShape[i]).ToArray();
        _layout = BatchCopier.LayoutFor(data.SampleShape, [null, .. _inputSampleDims.Select(d => (long?)d)]);
        _outputName = cut.Suffix.Graph.Output[0].Name;
    }

    /// <summary>Host buffers, the uncached crossing tensors and the two bindings for chunks of one size.</summary>
    private sealed class Scratch : IDisposable
    {
        public required TensorBuffer Input { get; init; }
        public required TensorBuffer Mask { get; init; }
        public required TensorBuffer Output { get; init; }

        /// <summary>Per crossing tensor: its device tensor, null for the graph input (fed from <see cref="Input"/>).</summary>
        public required DeviceTensor?[] Crossing { get; init; }
        public required GraphIoBinding Prefix { get; init; }
        public required GraphIoBinding Suffix { get; init; }

        public void Dispose()
        {
            Prefix.Dispose();
            Suffix.Dispose();
            foreach (var c in Crossing) c?.Dispose();
            Input.Dispose();
            Mask.Dispose();
            Output.Dispose();
        }
    }

    private Scratch For(int b)
    {
        if (_scratch.TryGetValue(b, out var s)) return s;
        var input = new TensorBuffer([b, .. _inputSampleDims]);
        var mask = new TensorBuffer(_cut.MaskShape);
        var output = new TensorBuffer(_cut.OutputShape(_cut.K * b, _width));
        var prefix = _prefix.CreateIoBinding();
        prefix.BindInput(_inputName, input);
        var suffix = _suffix.CreateIoBinding();
        suffix.BindInput(GraphCut.MaskName, mask);
        suffix.BindOutput(_outputName, output);
        s = new Scratch { Input = input, Mask = mask, Output = output, Crossing = DeviceCrossing(b), Prefix = prefix, Suffix = suffix };
        _scratch[b] = s;
        return s;
    }

    /// <summary>Device tensors for the crossing tensors of a chunk of <paramref name="b"/> samples (null: the graph input).</summary>
    private DeviceTensor?[] DeviceCrossing(int b) =>
        _cut.Crossing.Select((name, i) => name == _cut.GraphInput ? null : _prefix.AllocateOnDevice([b, .. _cut.SampleShapes[i]])).ToArray();

    public void Evaluate(IReadOnlyList<IReadOnlyList<int>> ablations, Action<int, EvaluationResult> onResult)
    {
        _calls++;
        int n = _data.Count, k = _cut.K, c = (int)_cut.SampleShapes[0][_cut.UnitAxis];
        int chunk = Math.Max(1, Math.Min(n, _rowsPerRun / k));
        long perAblation = (long)n * _width * sizeof(float);
        int group = (int)Math.Clamp(_fast.OutputBudget / perAblation / k * k, k, Math.Max(k, ablations.Count));
        for (int g0 = 0; g0 < ablations.Count; g0 += group)
        {
            int gCount = Math.Min(group, ablations.Count - g0);
            var outputs = new float[gCount][];
            for (int a = 0; a < gCount; a++) outputs[a] = new float[n * _width];
            for (int start = 0; start < n; start += chunk)
            {
                int b = Math.Min(chunk, n - start);
                var s = For(b);
                DeviceTensor?[] crossing = Prefix(start, s);
                for (int i = 0; i < crossing.Length; i++)
                {
                    if (crossing[i] is DeviceTensor t) s.Suffix.BindInput(_cut.Crossing[i], t);
                    else s.Suffix.BindInput(_cut.Crossing[i], s.Input);
                }
                for (int a0 = 0; a0 < gCount; a0 += k)
                {
                    long t = Stopwatch.GetTimestamp();
                    int kCount = Math.Min(k, gCount - a0);
                    var mask = s.Mask.Data;
                    Array.Fill(mask, 1f);
                    for (int j = 0; j < kCount; j++)
                        foreach (int unit in ablations[g0 + a0 + j])
                            foreach (int channel in _cut.Layer.Channels(unit)) mask[j * c + channel] = 0f;
                    t = _clock.Add(ProfilePart.Mask, t);
                    _suffix.Run(s.Suffix);
                    _clock.CountSuffixRun();
                    t = _clock.Add(ProfilePart.Suffix, t);
                    var o = s.Output.Data;
                    for (int j = 0; j < kCount; j++)
                        o.AsSpan(j * b * _width, b * _width).CopyTo(outputs[a0 + j].AsSpan(start * _width));
                    _clock.Add(ProfilePart.Copy, t);
                }
            }
            for (int a = 0; a < gCount; a++)
            {
                long t = Stopwatch.GetTimestamp();
                var result = Evaluator.Score(outputs[a], _width, _data, _kind, _intact, _cut.Prefix.Source);
                _clock.Add(ProfilePart.Score, t);
                onResult(g0 + a, result);
            }
        }
    }

    /// <summary>
    /// The device tensors holding the crossing values of the chunk at <paramref name="start"/>: the cached ones when
    /// an earlier call computed them, else the prefix runs now, into this chunk's own cache tensors when the shared
    /// budget (the prefix-cache share of the memory budget) holds the layer's crossing tensors for the whole data set (from the layer's second call,
    /// as on the host path), else into the scratch tensors. The chunk's input is copied to the host buffer every
    /// time: the suffix reads it when the graph input itself crosses the cut.
    /// </summary>
    private DeviceTensor?[] Prefix(int start, Scratch s)
    {
        int b = (int)s.Input.Shape[0];
        long t0 = Stopwatch.GetTimestamp();
        BatchCopier.Copy(_data, start, b, _layout, s.Input.Data);
        t0 = _clock.Add(ProfilePart.Copy, t0);
        if (_cache.TryGetValue(start, out var cached))
        {
            _clock.CountCachedChunk();
            return cached;
        }
        if (!_cacheOn && !_cacheRefused && _calls >= 2)
        {
            long bytes = s.Crossing.Sum(t => t is null ? 0 : t.Bytes / b * _data.Count);
            if (_budget.TryTake(bytes))
            {
                _cacheBytes = bytes;
                _cacheOn = true;
                _clock.Cache = $"cached in device memory ({bytes / 1048576.0:F0} MB)";
            }
            else
            {
                _cacheRefused = true;
                _clock.Cache = $"streamed: its prefix outputs ({bytes / 1048576.0:F0} MB) do not fit the cache's free share";
            }
        }
        DeviceTensor?[] target = s.Crossing;
        if (_cacheOn)
        {
            target = DeviceCrossing(b);
            _cache[start] = target;
        }
        for (int i = 0; i < target.Length; i++)
            if (target[i] is DeviceTensor t) s.Prefix.BindOutput(_cut.Crossing[i], t);
        _prefix.Run(s.Prefix);
        _clock.CountPrefixRun();
        _clock.Add(ProfilePart.Prefix, t0);
        return target;
    }

    public void Dispose()
    {
        foreach (var s in _scratch.Values) s.Dispose();
        foreach (var tensors in _cache.Values)
            foreach (var t in tensors) t?.Dispose();
        _cache.Clear();
        _budget.Give(_cacheBytes);
        _prefix.Dispose();
        _suffix.Dispose();
    }
}
