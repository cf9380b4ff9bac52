namespace OnnxAblation.Importance;

/// <summary>Average (mid) ranks, 1-based, as SciPy's <c>rankdata(method='average')</c>.</summary>
internal static class Ranking
{
    /// <summary>Ranks of <paramref name="values"/> (no NaN), ties getting the mean of their ranks; also Σ(t³ − t) over tie groups.</summary>
    public static double[] Average(IReadOnlyList<double> values, out double tieTerm)
    {
        int n = values.Count;
        var order = new int[n];
        var keys = new double[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            keys[i] = values[i];
        }
        Array.Sort(keys, order);
        var ranks = new double[n];
        tieTerm = 0;
        int start = 0;
        while (start < n)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            double rank = (start + 1 + end) / 2.0; // mean of ranks start+1 .. end
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            double t = end - start;
            tieTerm += t * t * t - t;
            start = end;
        }
        return ranks;
    }

    public static double[] Average(IReadOnlyList<double> values) => Average(values, out _);
}
