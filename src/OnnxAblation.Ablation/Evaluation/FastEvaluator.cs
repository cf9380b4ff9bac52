using System.Diagnostics;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// The fast path for zero-in ablations within one layer: per data chunk the prefix (everything up to the
/// layer's unit tensor) runs once; a suffix session evaluates K ablations × B samples per run by masking the
/// unit tensor's channels. Weights stay constant initializers, so ONNX Runtime keeps its optimisations.
/// Whatever this path cannot express (other modes, groups across layers, non-float tensors across the cut)
/// goes to <see cref="ReferenceEvaluator"/>. Tests prove both give the same predictions.
/// </summary>
public sealed class FastEvaluator : IAblationEvaluator
{
    private readonly ModelUnits _units;
    private readonly Dataset _data;
    private readonly ModeSpec _mode;
    private readonly InferenceOptions _options;
    private readonly ReferenceEvaluator _reference;
    private readonly OutputKind _kind;
    private readonly List<string> _notes = new();
    private readonly Dictionary<string, LayerPlan?> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ILayerRunner[]> _live = new(StringComparer.Ordinal);
    private readonly List<string> _recent = new();
    private readonly Dictionary<string, ProfileClock> _clocks = new(StringComparer.Ordinal);
    private (string Layer, GraphCut Cut)? _spare;
    private FlopCounter? _flops;
    private CacheBudget? _cacheBudgetField;

    private CacheBudget SharedBudget => _cacheBudgetField ??= new CacheBudget(Fast.PrefixCache);

    /// <summary>How a layer's ablations run: rows (K × samples) per suffix run, K, workers, and the memory its sessions are estimated to hold.</summary>
    private sealed record LayerPlan(int Rows, int K, int Workers, long Footprint, bool Linear, string Update);

    public FastEvaluator(ModelUnits units, Dataset data, ModeSpec mode, InferenceOptions options, UnitMeans? means = null, FastOptions? fast = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        _units = units;
        _data = data;
        _mode = mode;
        _options = options;
        Fast = fast ?? new FastOptions();
        _reference = new ReferenceEvaluator(units, data, mode, options, means);
        _kind = OutputKinds.Of(units.Model);
    }

    public string Name => "fast";

    /// <summary>Each call runs a layer's prefix once per data chunk, so calls should carry many ablations.</summary>
    public int PreferredChunk => 256;

    public FastOptions Fast { get; }

    /// <summary>Why some ablations went to the reference path (one line per layer or reason).</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Ablations evaluated on the fast path / on the reference path so far.</summary>
    public int FastCount { get; private set; }

    public int ReferenceCount { get; private set; }

    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cutReasons = new(StringComparer.Ordinal);
    private string? _refused;

    /// <summary>Per layer: "fast", or "reference: WHY".</summary>
    public IReadOnlyDictionary<string, string> Paths => _paths;

    /// <summary>Where the fast path's time went, per layer evaluated on it so far (stopwatches in the workers).</summary>
    public IReadOnlyList<LayerProfile> Profile =>
        _clocks.Select(kv => kv.Value.Snapshot(kv.Key, _plans[kv.Key]!.Workers, _plans[kv.Key]!.Rows, _plans[kv.Key]!.K) with { Update = _plans[kv.Key]!.Update }).ToList();

    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, EvaluationResult> onResult)
    {
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        var byLayer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < ablations.Count; i++)
        {
            var sets = ablations[i];
            if (sets.Count == 0)
            {
                onResult(i, _reference.EvaluateOne(sets)); // the intact model
                continue;
            }
            if (FastReady(sets))
            {
                if (!byLayer.TryGetValue(sets[0].Layer, out var list)) byLayer[sets[0].Layer] = list = new List<int>();
                list.Add(i);
            }
            else if (_refused is null)
            {
                onResult(i, _reference.EvaluateOne(sets));
                ReferenceCount++;
            }
        }
        var gate = new Lock();
        foreach (var (layer, indices) in byLayer)
        {
            // Workers share the layer's ablations; each has its own sessions and buffers. Results reach the caller
            // one at a time (the store is not written concurrently).
            var workers = Workers(layer);
            var clock = _clocks[layer];
            long began = Stopwatch.GetTimestamp();
            int per = (indices.Count + workers.Length - 1) / workers.Length;
            try
            {
                Parallel.For(0, workers.Length, new ParallelOptions { MaxDegreeOfParallelism = workers.Length }, w =>
                {
                    int from = w * per, count = Math.Min(per, indices.Count - from);
                    if (count <= 0) return;
                    var mine = indices.Skip(from).Take(count).ToList();
                    workers[w].Evaluate(mine.Select(i => ablations[i][0].Units).ToList(), (j, r) =>
                    {
                        lock (gate)
                        {
                            long t = Stopwatch.GetTimestamp();
                            onResult(mine[j], r);
                            clock.Add(ProfilePart.Store, t);
                        }
                    });
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            clock.AddWall(Stopwatch.GetTimestamp() - began, indices.Count);
            FastCount += indices.Count;
        }
        // --require-fast: what the fast path could do is done (and stored by the caller); then the refusal
        if (_refused is { } refused) throw new AblationException(refused);
    }

    /// <summary>Whether the ablation can use the fast path; a reason is noted once where it cannot.</summary>
    private bool FastReady(IReadOnlyList<UnitSet> sets)
    {
        if (sets.Count != 1)
            return Reference(IAblationEvaluator.AcrossLayers, "the fast path masks one layer's units at a time");
        var layer = _units[sets[0].Layer];
        if (ModeReason(_mode, layer) is { } why) return Reference(layer.Name, why);
        if (Plan(layer.Name) is null) return Reference(layer.Name, _cutReasons[layer.Name]);
        _paths.TryAdd(layer.Name, "fast");
        return true;
    }

    private static string? ModeReason(ModeSpec mode, Layer layer) =>
        mode.Mode.FastMaskableOn(layer) ? null : $"mode {mode.Mode.Key} is not a mask of the unit tensor on this layer; zero-in is";

    /// <summary>
    /// Why single-unit ablations of <paramref name="layer"/> in <paramref name="mode"/> would go to the reference path,
    /// or null when they take the fast path: the same checks an evaluation makes, without evaluating anything.
    /// </summary>
    public static string? ReferenceReason(ModelUnits units, Layer layer, ModeSpec mode, IReadOnlyList<int> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(sampleShape);
        return Route(units, layer, mode, sampleShape).Reason;
    }

    /// <summary>
    /// <see cref="ReferenceReason"/>, and for a fast layer how its suffix applies an ablation ("mask", or "linear update of
    /// Conv '…'"; null on the reference path): the same choices <see cref="Plan"/> makes with <paramref name="fast"/>.
    /// </summary>
    public static (string? Reason, string? Update) Route(ModelUnits units, Layer layer, ModeSpec mode, IReadOnlyList<int> sampleShape, FastOptions? fast = null, FlopCounter? flops = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (ModeReason(mode, layer) is { } why) return (why, null);
        fast ??= new FastOptions();
        if (flops is null && fast.LinearUpdate)
        {
            try { flops = new FlopCounter(units, sampleShape); }
            catch (AblationException) { } // shapes not probed: no multiply-adds, no linear update (as Plan)
        }
        bool linear = fast.LinearUpdate && flops is not null && UsesLinear(flops, layer, fast);
        var cut = GraphCut.TryCreate(units, layer, 1, sampleShape, out string? reason, linear);
        return cut is null ? (reason ?? "the graph cannot be cut after it", null) : (null, UpdateOf(cut));
    }

    /// <summary>Whether the layer's linear first consumer does enough work for the linear update to pay (<see cref="FastOptions.LinearUpdateMinMacs"/>).</summary>
    private static bool UsesLinear(FlopCounter flops, Layer layer, FastOptions fast) =>
        flops.LinearConsumerMacs(layer) is double consumer && consumer > 0 && consumer >= fast.LinearUpdateMinMacs;

    private static string UpdateOf(GraphCut cut) =>
        cut.Linear is { } lc ? $"linear update of {lc.Node.OpType} '{OnnxAblation.Onnx.GraphIndex.DisplayName(lc.Node)}'" : "mask";

    /// <summary>Notes once why <paramref name="layer"/> goes to the reference path; with <see cref="FastOptions.RequireFast"/>, refuses instead.</summary>
    private bool Reference(string layer, string why)
    {
        if (Fast.RequireFast)
        {
            _refused ??= $"{layer}: the fast path cannot evaluate its ablations ({why}); --require-fast refuses the reference path. Results already computed are stored; drop --require-fast to evaluate the rest on the reference path";
            return false;
        }
        if (_paths.TryAdd(layer, "reference: " + why)) _notes.Add($"{layer}: reference path ({why})");
        return false;
    }

    /// <summary>
    /// How <paramref name="layerName"/>'s ablations run, or null (reason noted) when the graph cannot be cut after it.
    /// Rows per run come from the suffix's work (16–64 rows), cut to what <see cref="FastOptions.ActivationBytes"/>
    /// holds by the per-sample tensor estimate.
    /// </summary>
    private LayerPlan? Plan(string layerName)
    {
        if (_plans.TryGetValue(layerName, out var known)) return known;
        var layer = _units[layerName];
        _flops ??= new FlopCounter(_units, _data.SampleShape);
        double flopPerRow = Math.Max(1, 2 * (Linear ? _flops.FastSuffixMacs(layer, Fast) : _flops.SuffixMacs(layer)));
        // Small convolutions scale poorly over ONNX Runtime's intra-op threads; independent workers with one
        // thread each keep every core busy (measured by `onnx-ablate bench`). One device: one worker.
        int workers = Math.Max(1, Fast.Workers ?? (_options.Device.IsCuda ? 1 : _options.Threads));
        int rows = Fast.RowsPerRun ?? (int)Math.Clamp(Fast.TargetFlopPerRun / flopPerRow, 16, 64);
        long perRow = 0;
        if (MemoryEstimate.CutBytesPerSample(_units, layer) is (long prefixBytes, long suffixBytes))
        {
            // a worker's arenas hold a prefix run over (at most) `rows` samples and a suffix run over `rows` rows
            perRow = prefixBytes + suffixBytes + (long)_data.SampleSize * sizeof(float);
            if (Fast.ActivationBytes is long activations)
                rows = (int)Math.Clamp(activations / workers / Math.Max(1, perRow), 1, rows);
        }
        int k = Math.Max(1, Fast.AblationsPerRun ?? Math.Clamp(rows / Math.Max(1, _data.Count), 1, 16));
        bool linear = Linear && UsesLinear(_flops, layer, Fast);
        var cut = GraphCut.TryCreate(_units, layer, k, _data.SampleShape, out string? reason, linear);
        if (cut is null)
        {
            _cutReasons[layerName] = reason ?? "the graph cannot be cut after it";
            return _plans[layerName] = null;
        }
        if (cut.FixedBatch is int fixedBatch)
        {
            rows = fixedBatch; // one ablation of one padded batch per suffix run
            k = cut.K;
        }
        _spare = (layerName, cut);
        // the cut's two models hold the weights once, each worker's sessions twice (initializers and pre-packed copies)
        long footprint = MemoryEstimate.WeightBytes(_units.Model) * (1 + 2L * workers) + workers * (long)rows * perRow;
        _clocks[layerName] = new ProfileClock();
        return _plans[layerName] = new LayerPlan(rows, k, workers, footprint, cut.Linear is not null, UpdateOf(cut));
    }

    /// <summary>
    /// The workers of a layer that <see cref="Plan"/> accepted: kept between calls while <see cref="FastOptions.SessionBytes"/>
    /// holds them; when a new layer's would not fit, the least recently used layers' are closed first.
    /// </summary>
    private ILayerRunner[] Workers(string layerName)
    {
        if (_live.TryGetValue(layerName, out var live))
        {
            _recent.Remove(layerName);
            _recent.Add(layerName);
            return live;
        }
        var plan = _plans[layerName]!;
        if (Fast.SessionBytes is long limit)
            while (_recent.Count > 0 && _recent.Sum(l => _plans[l]!.Footprint) + plan.Footprint > limit) Close(_recent[0]);
        var cut = _spare is { } spare && spare.Layer == layerName ? spare.Cut
            : GraphCut.TryCreate(_units, _units[layerName], plan.K, _data.SampleShape, out _, plan.Linear)
              ?? throw new AblationException($"{layerName}: the graph could be cut after it once but not again");
        _spare = null;
        var perWorker = _options with { Threads = Math.Max(1, _options.Threads / plan.Workers) };
        var fast = Fast with { OutputBudgetBytes = Math.Max(1, Fast.OutputBudget / plan.Workers) };
        bool resident = (Fast.DeviceResident ?? _options.Device.IsCuda) && cut.FixedBatch is null;
        var clock = _clocks[layerName];
        live = Enumerable.Range(0, plan.Workers).Select(ILayerRunner (_) => resident
            ? new ResidentLayerRunner(cut, _data, perWorker, fast, plan.Rows, _kind, SharedBudget, _reference.IntactOutputs, _reference.OutputWidth, clock)
            : new LayerRunner(cut, _data, perWorker, fast, plan.Rows, _kind, SharedBudget, _reference.IntactOutputs, _reference.OutputWidth, clock)).ToArray();
        _live[layerName] = live;
        _recent.Add(layerName);
        return live;
    }

    /// <summary>Whether cuts use the linear consumer's update: asked for, and not on the device-resident runner (which masks).</summary>
    private bool Linear => Fast.LinearUpdate && !(Fast.DeviceResident ?? _options.Device.IsCuda);

    /// <summary>Closes a layer's sessions and gives its prefix cache back to the budget.</summary>
    private void Close(string layerName)
    {
        foreach (var r in _live[layerName]) r.Dispose();
        _live.Remove(layerName);
        _recent.Remove(layerName);
    }

    public void Dispose()
    {
        foreach (var layer in _live.Keys.ToList()) Close(layer);
        _reference.Dispose();
    }

    /// <summary>Bytes the prefix caches of all layers and workers may hold together.</summary>
    internal sealed class CacheBudget(long bytes)
    {
        private long _left = bytes;

        public bool TryTake(long n)
        {
            while (true)
            {
                long left = Interlocked.Read(ref _left);
                if (left < n) return false;
                if (Interlocked.CompareExchange(ref _left, left - n, left) == left) return true;
            }
        }

        public void Give(long n) => Interlocked.Add(ref _left, n);
    }

    /// <summary>Prefix and suffix sessions of one layer with their pre-allocated buffers.</summary>
    private sealed class LayerRunner : ILayerRunner
    {
        private readonly GraphCut _cut;
        private readonly Dataset _data;
        private readonly FastOptions _fast;
        private readonly OutputKind _kind;
        private readonly GraphSession _prefix;
        private readonly GraphSession _suffix;
        private readonly Dictionary<(int B, int M), Buffers> _buffers = new();
        private readonly TensorLayout _layout;
        private readonly long[] _inputSampleDims;
        private readonly int _width;
        private readonly int _rowsPerRun;
        private readonly HashSet<int> _cached = new();
        private float[][]? _cache;
        private long _cacheBytes;
        private bool _cacheRefused;
        private int _calls;
        private readonly CacheBudget _budget;
        private readonly ProfileClock _clock;

        private readonly float[] _intact;

        public LayerRunner(GraphCut cut, Dataset data, InferenceOptions options, FastOptions fast, int rowsPerRun, OutputKind kind, CacheBudget budget, float[] intact, int width, ProfileClock clock)
        {
            _clock = clock;
            _intact = intact;
            _budget = budget;
            _rowsPerRun = rowsPerRun;
            _cut = cut;
            _data = data;
            _fast = fast;
            _kind = kind;
            _prefix = new GraphSession(cut.Prefix, options);
            _suffix = new GraphSession(cut.Suffix, options);
            var g = cut.Prefix.Index();
            string input = cut.Prefix.Graph.Input.First(v => g.InitializerOrNull(v.Name) is null).Name;
            var declared = g.DeclaredShape(input) ?? [];
            _inputSampleDims = declared.Skip(1).Select((d, i) => d ?? data.SampleShape[i]).ToArray();
            _layout = BatchCopier.LayoutFor(data.SampleShape, [null, .. _inputSampleDims.Select(d => (long?)d)]);
            _width = width;
        }

        private sealed class Buffers : IDisposable
        {
            public required TensorBuffer Input { get; init; }
            public required TensorBuffer[] Crossing { get; init; }
            /// <summary>The channel mask [K, 1, C, 1…], or with a linear consumer the ablated columns [K, M].</summary>
            public required TensorBuffer Mask { get; init; }

            /// <summary>With a linear consumer: 1 for each ablated column, 0 for padding [K, M]; else null.</summary>
            public TensorBuffer? Weight { get; init; }
            public required TensorBuffer Output { get; init; }
            public required GraphBinding Prefix { get; init; }
            public required GraphBinding Suffix { get; init; }

            public void Dispose()
            {
                Input.Dispose();
                foreach (var c in Crossing) c.Dispose();
                Mask.Dispose();
                Weight?.Dispose();
                Output.Dispose();
            }
        }

        /// <summary>Buffers and bindings for runs of <paramref name="b"/> samples (and, with a linear consumer, <paramref name="m"/> columns per ablation).</summary>
        private Buffers Bind(int b, int m = 0)
        {
            if (_buffers.TryGetValue((b, m), out var x)) return x;
            var input = new TensorBuffer([b, .. _inputSampleDims]);
            var crossing = new TensorBuffer[_cut.Crossing.Count];
            var prefixOut = new List<(string, TensorBuffer)>();
            for (int i = 0; i < crossing.Length; i++)
            {
                if (_cut.Crossing[i] == _cut.GraphInput) { crossing[i] = input; continue; }
                crossing[i] = new TensorBuffer([b, .. _cut.SampleShapes[i]]);
                prefixOut.Add((_cut.Crossing[i], crossing[i]));
            }
            bool linear = _cut.Linear is not null;
            var mask = linear ? new TensorBuffer(_cut.K, m) : new TensorBuffer(_cut.MaskShape);
            var weight = linear ? new TensorBuffer(_cut.K, m) : null;
            string[] ablationInputs = linear ? [LinearConsumer.IndexName, LinearConsumer.WeightName] : [GraphCut.MaskName];
            TensorBuffer[] ablationBuffers = linear ? [mask, weight!] : [mask];
            var output = new TensorBuffer(_cut.OutputShape(_cut.K * b, _width));
            string inputName = _cut.Prefix.Graph.Input.First(v => !_cut.Prefix.Graph.Initializer.Any(t => t.Name == v.Name)).Name;
            x = new Buffers
            {
                Input = input,
                Crossing = crossing.Where(c => c != input).ToArray(),
                Mask = mask,
                Weight = weight,
                Output = output,
                Prefix = _prefix.Bind([inputName], [input], prefixOut.Select(p => p.Item1).ToList(), prefixOut.Select(p => p.Item2).ToList()),
                Suffix = _suffix.Bind([.. _cut.Crossing, .. ablationInputs], [.. crossing, .. ablationBuffers], [_cut.Suffix.Graph.Output[0].Name], [output]),
            };
            _buffers[(b, m)] = x;
            return x;
        }

        public void Evaluate(IReadOnlyList<IReadOnlyList<int>> ablations, Action<int, EvaluationResult> onResult)
        {
            _calls++;
            int n = _data.Count, k = _cut.K, c = (int)_cut.SampleShapes[0][_cut.UnitAxis];
            // a model that fixes its batch size runs in it (the data divide into such batches: the reference path checks)
            int chunk = _cut.FixedBatch ?? Math.Max(1, Math.Min(n, _rowsPerRun / k));
            // Ablations per group: their outputs for every sample are kept until the group is scored.
            long perAblation = (long)n * _width * sizeof(float);
            int group = (int)Math.Clamp(_fast.OutputBudget / perAblation / k * k, k, Math.Max(k, ablations.Count));
            for (int g0 = 0; g0 < ablations.Count; g0 += group)
            {
                int gCount = Math.Min(group, ablations.Count - g0);
                var outputs = new float[gCount][];
                for (int a = 0; a < gCount; a++) outputs[a] = new float[n * _width];
                var columns = Columns(ablations, g0, gCount);
                int most = columns is null ? 0 : Math.Max(1, columns.Max(x => x.Length));
                for (int start = 0; start < n; start += chunk)
                {
                    int b = Math.Min(chunk, n - start);
                    var buf = Bind(b, most);
                    long t = Stopwatch.GetTimestamp();
                    // the input is needed to run the prefix, or by the suffix where the graph input crosses the cut
                    if (!_cached.Contains(start) || _cut.GraphInput is not null) BatchCopier.Copy(_data, start, b, _layout, buf.Input.Data);
                    t = _clock.Add(ProfilePart.Copy, t);
                    Prefix(start, buf);
                    for (int a0 = 0; a0 < gCount; a0 += k)
                    {
                        t = Stopwatch.GetTimestamp();
                        int kCount = Math.Min(k, gCount - a0);
                        var mask = buf.Mask.Data;
                        if (buf.Weight is { } weight && columns is not null)
                        {
                            // the ablated columns of the linear consumer's input, padded with column 0 weighted 0
                            int m = (int)buf.Mask.Shape[1];
                            Array.Clear(mask);
                            Array.Clear(weight.Data);
                            for (int j = 0; j < kCount; j++)
                            {
                                int at = j * m;
                                foreach (int column in columns[a0 + j])
                                {
                                    mask[at] = column;
                                    weight.Data[at++] = 1f;
                                }
                            }
                        }
                        else
                        {
                            Array.Fill(mask, 1f);
                            for (int j = 0; j < kCount; j++)
                                foreach (int unit in ablations[g0 + a0 + j])
                                    foreach (int channel in _cut.Layer.Channels(unit)) mask[j * c + channel] = 0f;
                        }
                        t = _clock.Add(ProfilePart.Mask, t);
                        _suffix.Run(buf.Suffix);
                        _clock.CountSuffixRun();
                        t = _clock.Add(ProfilePart.Suffix, t);
                        var o = buf.Output.Data;
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

        /// <summary>With a linear consumer: the columns of its input each ablation of the group zeroes, once per group; else null.</summary>
        private int[][]? Columns(IReadOnlyList<IReadOnlyList<int>> ablations, int from, int count) =>
            _cut.Linear is null ? null
                : Enumerable.Range(from, count).Select(a => ablations[a].SelectMany(_cut.Columns).Distinct().ToArray()).ToArray();

        /// <summary>
        /// The prefix outputs of the chunk at <paramref name="start"/>: from the cache when an earlier call computed
        /// them, else computed now and kept if the shared budget (the prefix-cache share of the memory budget) holds
        /// this layer's prefix outputs for the whole data set (one array per crossing tensor, allocated once); when it
        /// does not, the prefix runs again on every call (streaming).
        /// </summary>
        private void Prefix(int start, Buffers buf)
        {
            int b = (int)buf.Input.Shape[0];
            long t = Stopwatch.GetTimestamp();
            if (_cached.Contains(start))
            {
                for (int i = 0; i < buf.Crossing.Length; i++)
                {
                    int size = buf.Crossing[i].Data.Length / b;
                    _cache![i].AsSpan(start * size, b * size).CopyTo(buf.Crossing[i].Data);
                }
                _clock.CountCachedChunk();
                _clock.Add(ProfilePart.Copy, t);
                return;
            }
            _prefix.Run(buf.Prefix);
            _clock.CountPrefixRun();
            t = _clock.Add(ProfilePart.Prefix, t);
            // Caching costs memory traffic (measured: about 20% of a one-call sweep), so it starts with a layer's
            // second call, when reuse is certain.
            if (_cache is null && !_cacheRefused && _calls >= 2)
            {
                long bytes = buf.Crossing.Sum(c => (long)c.Data.Length / b * _data.Count * sizeof(float));
                if (buf.Crossing.All(c => (long)c.Data.Length / b * _data.Count < Array.MaxLength) && _budget.TryTake(bytes))
                {
                    _cacheBytes = bytes;
                    _cache = buf.Crossing.Select(c => new float[c.Data.Length / b * _data.Count]).ToArray();
                    _clock.Cache = $"cached ({bytes / 1048576.0:F0} MB)";
                }
                else
                {
                    _cacheRefused = true;
                    _clock.Cache = $"streamed: its prefix outputs ({bytes / 1048576.0:F0} MB) do not fit the cache's free share";
                }
            }
            if (_cache is null) return;
            for (int i = 0; i < buf.Crossing.Length; i++)
            {
                int size = buf.Crossing[i].Data.Length / b;
                buf.Crossing[i].Data.AsSpan(0, b * size).CopyTo(_cache[i].AsSpan(start * size));
            }
            _cached.Add(start);
            _clock.Add(ProfilePart.Copy, t);
        }

        public void Dispose()
        {
            foreach (var b in _buffers.Values) b.Dispose();
            _budget.Give(_cacheBytes);
            _cache = null;
            _prefix.Dispose();
            _suffix.Dispose();
        }
    }
}
