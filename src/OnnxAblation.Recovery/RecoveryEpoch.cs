namespace OnnxAblation.Recovery;

/// <summary>
/// One point of a recovery curve: the network after <see cref="Epoch"/> epochs of training (0 = the damaged
/// network before training), evaluated by ONNX Runtime on the test set.
/// </summary>
/// <param name="Epoch">Epochs trained so far; 0 is the damaged network.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (NaN for epoch 0).</param>
/// <param name="TestAccuracy">Test accuracy measured by ONNX Runtime on the written-back ONNX model.</param>
/// <param name="ClassAccuracy">Per-class test accuracy (NaN for a class without test samples).</param>
/// <param name="TestLoss">Mean test cross-entropy.</param>
/// <param name="Seconds">Wall time of the epoch: training plus write-back and evaluation.</param>
public sealed record RecoveryEpoch(int Epoch, double TrainLoss, double TestAccuracy, IReadOnlyList<double> ClassAccuracy, double TestLoss, double Seconds);
