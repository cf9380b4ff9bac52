using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Studies;
using OnnxAblation.Data;
using OnnxAblation.Runtime;

namespace OnnxAblation.Ablation.Evaluation;

/// <summary>
/// Evaluates ablations on growing slices of the data (<see cref="AdaptiveSampling"/>): the first n samples of one
/// seeded shuffled order, n = <see cref="AdaptiveSampling.MinSamples"/>, doubling; an ablation stops at the first
/// slice whose 95% interval of the accuracy change (paired with the intact model on the same samples) is at most
/// ±EPS, or at all samples, where it is evaluated by <paramref name="full"/> exactly as without adaptive sampling.
/// Each slice has its own evaluator of the same kind (fast or reference; <paramref name="forSlice"/>), created when
/// first needed; a slice is evaluated from its first sample, so an ablation that reaches slice k has cost the sum of
/// the slices up to k (at most twice the last one).
/// </summary>
public sealed class AdaptiveEvaluator : IDisposable
{
    private readonly AdaptiveSampling _sampling;
    private readonly Dataset _data;
    private readonly IAblationEvaluator _full;
    private readonly Func<Dataset, IAblationEvaluator> _forSlice;
    private readonly IReadOnlyList<int> _stages;
    private readonly int[] _order;
    private readonly Dictionary<int, (IAblationEvaluator Evaluator, Dataset Data, EvaluationResult Intact)> _slices = new();
    private EvaluationResult? _intact;

    public AdaptiveEvaluator(AdaptiveSampling sampling, Dataset data, IAblationEvaluator full, Func<Dataset, IAblationEvaluator> forSlice)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(full);
        ArgumentNullException.ThrowIfNull(forSlice);
        sampling.Validate();
        _sampling = sampling;
        _data = data;
        _full = full;
        _forSlice = forSlice;
        _stages = sampling.Stages(data.Count);
        _order = sampling.Order(data.Count);
    }

    public AdaptiveSampling Sampling => _sampling;

    /// <summary>The slice sizes, the last being all samples.</summary>
    public IReadOnlyList<int> Stages => _stages;

    /// <summary>Samples evaluated so far, over all slices and ablations (the intact model's passes not counted).</summary>
    public long SamplesEvaluated { get; private set; }

    /// <summary>Which path evaluated each layer, over every slice's evaluator (see <see cref="IAblationEvaluator.Paths"/>).</summary>
    public IReadOnlyDictionary<string, string> Paths
    {
        get
        {
            var all = new Dictionary<string, string>(_full.Paths, StringComparer.Ordinal);
            foreach (var (e, _, _) in _slices.Values)
                foreach (var (layer, path) in e.Paths)
                    if (!all.TryGetValue(layer, out var had) || (had == "fast" && path != "fast")) all[layer] = path;
            return all;
        }
    }

    /// <summary>The intact model on all samples (evaluated by the full-data evaluator once).</summary>
    private EvaluationResult Intact => _intact ??= EvaluateOn(_full, [[]])[0];

    /// <summary>Evaluates each ablation and calls <paramref name="onResult"/> when it stops (in stopping order).</summary>
    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, Action<int, AdaptiveOutcome> onResult)
    {
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        var pending = Enumerable.Range(0, ablations.Count).ToList();
        foreach (int n in _stages)
        {
            if (pending.Count == 0) break;
            var sets = pending.Select(i => ablations[i]).ToList();
            if (n >= _data.Count)
            {
                var results = EvaluateOn(_full, sets);
                SamplesEvaluated += (long)n * sets.Count;
                for (int k = 0; k < pending.Count; k++)
                {
                    var r = results[k];
                    onResult(pending[k], new AdaptiveOutcome
                    {
                        Measured = r, Samples = n, Interval = 0, Partial = false,
                        Accuracy = r.Accuracy, ClassAccuracy = r.ClassAccuracy, MeanLoss = r.MeanLoss, ClassMeanLoss = r.ClassMeanLoss,
                        Predicted = r.Predicted,
                    });
                }
                pending.Clear();
                break;
            }
            var slice = Slice(n);
            var sliceResults = EvaluateOn(slice.Evaluator, sets);
            SamplesEvaluated += (long)n * sets.Count;
            var next = new List<int>();
            for (int k = 0; k < pending.Count; k++)
            {
                var outcome = Partial(slice.Data, slice.Intact, sliceResults[k], n);
                if (outcome.Interval <= _sampling.Eps) onResult(pending[k], outcome);
                else next.Add(pending[k]);
            }
            pending = next;
        }
    }

    private (IAblationEvaluator Evaluator, Dataset Data, EvaluationResult Intact) Slice(int n)
    {
        if (_slices.TryGetValue(n, out var s)) return s;
        var data = _data.Select(new ArraySegment<int>(_order, 0, n));
        var evaluator = _forSlice(data);
        var intact = EvaluateOn(evaluator, [[]])[0];
        return _slices[n] = (evaluator, data, intact);
    }

    /// <summary>The paired estimate from slice <paramref name="n"/> (see <see cref="AdaptiveOutcome"/>).</summary>
    private AdaptiveOutcome Partial(Dataset slice, EvaluationResult intactSlice, EvaluationResult r, int n)
    {
        var full = Intact;
        int toWrong = 0, toRight = 0;
        var predicted = (int[])full.Predicted.Clone();
        for (int i = 0; i < n; i++)
        {
            bool was = intactSlice.Predicted[i] == slice.Labels[i], now = r.Predicted[i] == slice.Labels[i];
            if (was && !now) toWrong++;
            else if (!was && now) toRight++;
            predicted[_order[i]] = r.Predicted[i];
        }
        static double[] Shift(double[] fullValues, double[] slice, double[] intact) =>
            fullValues.Select((v, c) => v + (slice[c] - intact[c])).ToArray();
        return new AdaptiveOutcome
        {
            Measured = r,
            Samples = n,
            Interval = AdaptiveSampling.HalfWidth(toWrong, toRight, n, _data.Count),
            Partial = true,
            Accuracy = Math.Clamp(full.Accuracy + (double)(toRight - toWrong) / n, 0, 1),
            ClassAccuracy = Shift(full.ClassAccuracy, r.ClassAccuracy, intactSlice.ClassAccuracy).Select(a => double.IsNaN(a) ? a : Math.Clamp(a, 0, 1)).ToArray(),
            MeanLoss = full.MeanLoss + (r.MeanLoss - intactSlice.MeanLoss),
            ClassMeanLoss = Shift(full.ClassMeanLoss, r.ClassMeanLoss, intactSlice.ClassMeanLoss),
            Predicted = predicted,
        };
    }

    private static EvaluationResult[] EvaluateOn(IAblationEvaluator evaluator, IReadOnlyList<IReadOnlyList<UnitSet>> sets)
    {
        var results = new EvaluationResult[sets.Count];
        evaluator.Evaluate(sets, (i, r) => results[i] = r);
        return results;
    }

    public void Dispose()
    {
        foreach (var (e, _, _) in _slices.Values) e.Dispose();
        _slices.Clear();
    }
}
