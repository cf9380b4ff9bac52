namespace OnnxAblation.Ablation.Store;

/// <summary>
/// One point of a stored recovery curve: run <see cref="Run"/> (damage + training options) after <see cref="Epoch"/>
/// epochs (0 = damaged, untrained), evaluated by ONNX Runtime on the test set.
/// </summary>
public sealed record RecoveryPoint(string Run, string Damage, int Epoch, double TrainLoss, double Accuracy, double[] ClassAccuracy, double TestLoss, double Seconds);
