namespace OnnxAblation.Importance;

/// <summary>Unit orders for cumulative ablation, and the area under an accuracy-vs-fraction-ablated curve to compare them.</summary>
public static class CumulativeOrder
{
    /// <summary>
    /// Unit indices most important first by <paramref name="values"/> (descending for
    /// <see cref="MetricDirection.HigherIsImportant"/>, ascending for <see cref="MetricDirection.LowerIsImportant"/>);
    /// ties keep the lower index first; NaN values go last.
    /// </summary>
    public static int[] By(IReadOnlyList<double> values, MetricDirection direction)
    {
        ArgumentNullException.ThrowIfNull(values);
        var order = Enumerable.Range(0, values.Count).ToArray();
        int sign = direction == MetricDirection.HigherIsImportant ? -1 : 1;
        Array.Sort(order, (a, b) =>
        {
            bool na = double.IsNaN(values[a]), nb = double.IsNaN(values[b]);
            if (na || nb) return na == nb ? a.CompareTo(b) : na ? 1 : -1;
            int c = sign * values[a].CompareTo(values[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }

    /// <summary>
    /// Normalised area under the curve of accuracy against fraction of units ablated, by the trapezoid rule, for
    /// <paramref name="accuracies"/>[i] measured with i of n = Count − 1 units ablated (fractions 0, 1/n, …, 1).
    /// The fraction axis has length 1, so the area is the curve's mean height, in accuracy units (a curve flat at
    /// accuracy a gives a); a lower area means the order removes important units earlier.
    /// </summary>
    public static double CurveArea(IReadOnlyList<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(accuracies);
        if (accuracies.Count < 2)
            throw new ArgumentException($"an accuracy curve needs at least 2 points (0 and all units ablated), got {accuracies.Count}", nameof(accuracies));
        double area = 0;
        for (int i = 1; i < accuracies.Count; i++) area += (accuracies[i - 1] + accuracies[i]) / 2;
        return area / (accuracies.Count - 1);
    }

    /// <summary>
    /// As <see cref="CurveArea(IReadOnlyList{double})"/> for points at given fractions (strictly increasing), normalised
    /// by the fraction range covered: the trapezoid area divided by (last − first fraction).
    /// </summary>
    public static double CurveArea(IReadOnlyList<double> fractions, IReadOnlyList<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        ArgumentNullException.ThrowIfNull(accuracies);
        if (fractions.Count != accuracies.Count)
            throw new ArgumentException($"accuracy curve: {fractions.Count} fractions but {accuracies.Count} accuracies");
        if (fractions.Count < 2)
            throw new ArgumentException($"an accuracy curve needs at least 2 points, got {fractions.Count}", nameof(fractions));
        double area = 0;
        for (int i = 1; i < fractions.Count; i++)
        {
            double dx = fractions[i] - fractions[i - 1];
            if (!(dx > 0))
                throw new ArgumentException($"accuracy curve: fractions must increase strictly, but point {i} has {fractions[i]} after {fractions[i - 1]}", nameof(fractions));
            area += dx * (accuracies[i - 1] + accuracies[i]) / 2;
        }
        return area / (fractions[^1] - fractions[0]);
    }
}
