namespace OnnxAblation.Importance;

/// <summary>Activation statistics of one unit over a data set.</summary>
/// <param name="Unit">Unit index in its layer.</param>
/// <param name="Mean">Mean activation over samples (a conv channel's activation of a sample is its spatial mean).</param>
/// <param name="ZeroFraction">APoZ: fraction of activations exactly 0 over all samples and positions
/// (meaningful after a ReLU; see <see cref="LayerActivationMetrics.Source"/>).</param>
/// <param name="ClassMeans">Mean activation over the samples of each class (NaN for a class without samples).</param>
/// <param name="Selectivity">Class selectivity of Morcos et al. (2018), see <see cref="ActivationMetrics.Selectivity"/>.</param>
public sealed record UnitActivationMetrics(int Unit, double Mean, double ZeroFraction, IReadOnlyList<double> ClassMeans, double Selectivity);
