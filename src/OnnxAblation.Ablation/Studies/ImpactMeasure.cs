namespace OnnxAblation.Ablation.Studies;

/// <summary>
/// What "damage" means when units are ranked (cumulative orders by measured impact, correlate): the accuracy drop
/// (needs labels), the loss of top-1 agreement with the intact model, KL(intact ‖ ablated), or the output drift
/// ‖y′ − y‖ / ‖y‖ (any output: features, embeddings).
/// </summary>
public enum ImpactMeasure
{
    Accuracy,
    Agreement,
    Kl,
    Drift,
}
