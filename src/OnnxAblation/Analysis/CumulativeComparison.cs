using OnnxAblation.Importance;

namespace OnnxAblation.Analysis;

/// <summary>
/// Areas under cumulative-ablation curves (accuracy vs fraction of the layer's units ablated, normalised so the area is
/// the curve's mean accuracy) for unit orders given by metrics, compared with random orders and the measured-impact order.
/// A lower area means the order removes important units earlier.
/// </summary>
/// <param name="Seeds">Seeds of the random orders (<c>StudyPlanner.RandomOrder</c>).</param>
/// <param name="RandomAreas">Area of each random order, by seed.</param>
/// <param name="Impact">The order by measured single-unit accuracy drop (most damaging first), when every unit was measured.</param>
/// <param name="Metrics">One order per metric (most important first by the metric's direction).</param>
public sealed record CumulativeComparison(IReadOnlyList<int> Seeds, IReadOnlyList<double> RandomAreas, OrderArea? Impact, IReadOnlyList<OrderArea> Metrics)
{
    public double RandomMean => RandomAreas.Count == 0 ? double.NaN : RandomAreas.Average();

    /// <summary>Sample standard deviation of the random areas (0 for one seed).</summary>
    public double RandomSd
    {
        get
        {
            if (RandomAreas.Count < 2) return RandomAreas.Count == 0 ? double.NaN : 0;
            double m = RandomMean;
            return Math.Sqrt(RandomAreas.Sum(a => (a - m) * (a - m)) / (RandomAreas.Count - 1));
        }
    }

    /// <summary>How many random orders have a larger area than <paramref name="area"/> (the order beats them).</summary>
    public int Beats(double area) => RandomAreas.Count(r => r > area);
}
