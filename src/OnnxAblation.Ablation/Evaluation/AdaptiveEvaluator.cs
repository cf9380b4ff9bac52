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
/// Each slice's new samples (those it adds to the previous slice) have their own evaluator of the same kind (fast or
/// reference; <paramref name="forSlice"/>), created when first needed, and an ablation evaluated on slice k has been
/// evaluated on the new samples only (<see cref="EvaluationParts"/> joins the parts), so it costs its slice's size; on
/// all samples it is evaluated again from the first sample, so that it is the exact result.
/// </summary>
public sealed class AdaptiveEvaluator : IDisposable
{
    private readonly AdaptiveSampling _sampling;
    private readonly Dataset _data;
    private readonly IAblationEvaluator _full;
    private readonly Func<Dataset, IAblationEvaluator> _forSlice;
    private readonly IReadOnlyList<int> _stages;
    private readonly int[] _order;

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
            foreach (var (e, _, _) in _parts)
                foreach (var (layer, path) in e.Paths)
                    if (!all.TryGetValue(layer, out var had) || (had == "fast" && path != "fast")) all[layer] = path;
            return all;
        }
    }

    /// <summary>
    /// Evaluates each ablation and calls <paramref name="onResult"/> when it stops (in stopping order); estimates from a
    /// slice are paired with <paramref name="baseline"/>, the intact model's stored result on all samples.
    /// </summary>
    public void Evaluate(IReadOnlyList<IReadOnlyList<UnitSet>> ablations, AblationRecord baseline, Action<int, AdaptiveOutcome> onResult)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(ablations);
        ArgumentNullException.ThrowIfNull(onResult);
        var pending = Enumerable.Range(0, ablations.Count).ToList();
        var measured = pending.ToDictionary(i => i, _ => new List<EvaluationResult>());
        for (int k = 0; k < _stages.Count && pending.Count > 0; k++)
        {
            int n = _stages[k];
            var sets = pending.Select(i => ablations[i]).ToList();
            if (n >= _data.Count)
            {
                // all samples: the exact evaluation, from the first sample
                var results = EvaluateOn(_full, sets);
                SamplesEvaluated += (long)n * sets.Count;
                for (int j = 0; j < pending.Count; j++)
                {
                    var r = results[j];
                    onResult(pending[j], new AdaptiveOutcome
                    {
                        Measured = r, Samples = n, Interval = 0, Partial = false,
                        Accuracy = r.Accuracy, ClassAccuracy = r.ClassAccuracy, MeanLoss = r.MeanLoss, ClassMeanLoss = r.ClassMeanLoss,
                        Correct = AblationRecord.PackBits(r.Predicted, _data.Labels),
                    });
                }
                break;
            }
            // only the samples this slice adds to the previous one
            var part = Part(k);
            var partResults = EvaluateOn(part.Evaluator, sets);
            SamplesEvaluated += (long)part.Data.Count * sets.Count;
            var intact = EvaluationParts.Join(_parts.Take(k + 1).Select(x => x.Intact).ToList(), _parts.Take(k + 1).Select(x => x.Intact).ToList());
            var next = new List<int>();
            for (int j = 0; j < pending.Count; j++)
            {
                var mine = measured[pending[j]];
                mine.Add(partResults[j]);
                var outcome = Partial(baseline, intact, EvaluationParts.Join(mine, _parts.Take(k + 1).Select(x => x.Intact).ToList()), n);
                if (outcome.Interval <= _sampling.Eps) onResult(pending[j], outcome);
                else next.Add(pending[j]);
            }
            pending = next;
        }
    }

    private readonly List<(IAblationEvaluator Evaluator, Dataset Data, EvaluationResult Intact)> _parts = new();

    /// <summary>Part k: the samples slice k adds to slice k−1 (in the shuffled order), with its evaluator and the intact model on it.</summary>
    private (IAblationEvaluator Evaluator, Dataset Data, EvaluationResult Intact) Part(int k)
    {
        while (_parts.Count <= k)
        {
            int i = _parts.Count, from = i == 0 ? 0 : _stages[i - 1];
            var data = _data.Select(new ArraySegment<int>(_order, from, _stages[i] - from));
            var evaluator = _forSlice(data);
            _parts.Add((evaluator, data, EvaluateOn(evaluator, [[]])[0]));
        }
        return _parts[k];
    }

    /// <summary>The paired estimate from slice <paramref name="n"/> (see <see cref="AdaptiveOutcome"/>).</summary>
    private AdaptiveOutcome Partial(AblationRecord full, EvaluationResult intactSlice, EvaluationResult r, int n)
    {
        int toWrong = 0, toRight = 0;
        var correct = (byte[])full.Correct.Clone();
        for (int i = 0; i < n; i++)
        {
            int label = _data.Labels[_order[i]];
            bool was = intactSlice.Predicted[i] == label, now = r.Predicted[i] == label;
            if (was && !now) toWrong++;
            else if (!was && now) toRight++;
            int at = _order[i];
            if (now) correct[at >> 3] |= (byte)(1 << (at & 7));
            else correct[at >> 3] &= (byte)~(1 << (at & 7));
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
            Correct = correct,
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
        foreach (var (e, _, _) in _parts) e.Dispose();
        _parts.Clear();
    }
}
