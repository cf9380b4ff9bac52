using System.Diagnostics;
using OnnxAblation.Ablation.Modes;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Ablation.Units;
using OnnxAblation.Data;
using OnnxAblation.Onnx;
using OnnxAblation.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace OnnxAblation.Recovery;

/// <summary>
/// Recovery training (Meyes et al. 2019): damages a network (zero-in by default), then fine-tunes it with the
/// damage held: the ablated weights stay exactly zero throughout (masked in the forward pass, gradients zeroed,
/// re-zeroed after every optimizer step). After each epoch the weights are written back into an ONNX copy of the
/// graph and evaluated by ONNX Runtime on the test set.
/// </summary>
public static class RecoveryTrainer
{
    /// <summary>
    /// Damages <paramref name="units"/>' model with <paramref name="damage"/> (in <see cref="RecoveryOptions.Mode"/>)
    /// and retrains it on <paramref name="train"/>, evaluating on <paramref name="test"/> before training (epoch 0)
    /// and after every epoch. <paramref name="onEpoch"/> is called with each curve point as it is measured.
    /// An empty <paramref name="damage"/> fine-tunes the intact network (a control run).
    /// </summary>
    /// <exception cref="RecoveryException">Unsupported operator, mode, scope or data; the message says which.</exception>
    public static RecoveryResult Recover(
        ModelUnits units,
        IReadOnlyList<UnitSet> damage,
        Dataset train,
        Dataset test,
        RecoveryOptions options,
        Action<RecoveryEpoch>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(damage);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options, train, test, units.Model.Source);
        var held = HeldSlices(units, damage, options.Mode);
        var trainable = TrainableSelection.Select(units, damage, options.Scope);
        var damaged = Ablator.Apply(units, damage, options.Mode);
        return Train(damaged, held, trainable, train, test, options, onEpoch, cancellationToken);
    }

    /// <summary>The weight elements the damage silences and training must keep at zero.</summary>
    internal static IReadOnlyList<TensorSlice> HeldSlices(ModelUnits units, IReadOnlyList<UnitSet> damage, ModeSpec mode)
    {
        var slices = new List<TensorSlice>();
        foreach (var set in damage)
        {
            var layer = units[set.Layer];
            foreach (int u in set.Units.Distinct())
                slices.AddRange(mode.Mode.Held(units, layer, u)
                    ?? throw new RecoveryException($"mode {mode} cannot be held during recovery training: only {string.Join(" and ", AblationMode.All.Where(m => m.Held(units, layer, u) is not null).Select(m => m.Key))} silence weights exactly"));
        }
        return slices;
    }

    /// <summary>Trains <paramref name="damaged"/> holding <paramref name="held"/> at zero and training only <paramref name="trainable"/>.</summary>
    internal static RecoveryResult Train(
        OnnxModel damaged,
        IReadOnlyList<TensorSlice> held,
        IReadOnlyList<string> trainable,
        Dataset train,
        Dataset test,
        RecoveryOptions options,
        Action<RecoveryEpoch>? onEpoch,
        CancellationToken cancellationToken)
    {
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        var rng = new Random(options.Seed);
        var kind = OutputKinds.Of(damaged);
        var inference = options.Inference ?? new InferenceOptions { Threads = options.Threads };
        var curve = new List<RecoveryEpoch>();
        var clock = Stopwatch.StartNew();

        var evaluation = Evaluator.Evaluate(damaged, test, inference);
        Report(curve, onEpoch, Point(0, double.NaN, evaluation, clock));

        using var module = new OnnxTorchModule(damaged);
        foreach (var slice in held) module.Hold(slice.Tensor, slice.Indices);
        module.SetTrainable(trainable);
        var (layout, sampleDims) = InputLayout(damaged, module.InputName, train);
        var parameters = module.TrainableParameters();
        using var optimizer = options.Optimizer == RecoveryOptimizer.Adam
            ? (torch.optim.Optimizer)torch.optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay)
            : torch.optim.SGD(parameters, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay);

        int n = train.Count, size = train.SampleSize, batchSize = Math.Min(options.BatchSize, n);
        var order = Enumerable.Range(0, n).ToArray();
        var full = new float[batchSize * size];
        OnnxModel current = damaged;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            clock.Restart();
            rng.Shuffle(order);
            module.train();
            double lossSum = 0;
            for (int start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, n - start);
                var features = count == batchSize ? full : new float[count * size];
                var labels = new long[count];
                for (int j = 0; j < count; j++)
                {
                    int s = order[start + j];
                    BatchCopier.Copy(train, s, 1, layout, features.AsSpan(j * size, size));
                    labels[j] = train.Labels[s];
                }
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(features, [count, .. sampleDims]);
                var y = torch.tensor(labels);
                optimizer.zero_grad();
                var output = module.forward(x);
                var loss = Loss(output, y, kind, train.ClassCount, damaged.Source);
                loss.backward();
                module.ZeroHeldGradients();
                optimizer.step();
                module.ReapplyHeld();
                lossSum += loss.item<float>() * count;
            }
            module.eval();
            current = module.ToOnnx();
            evaluation = Evaluator.Evaluate(current, test, inference);
            Report(curve, onEpoch, Point(epoch, lossSum / n, evaluation, clock));
        }
        return new RecoveryResult
        {
            Curve = curve,
            Damaged = damaged,
            Recovered = current,
            Final = evaluation,
            TrainedTensors = trainable,
            HeldValues = module.HeldCount,
        };
    }

    private static void Validate(RecoveryOptions o, Dataset train, Dataset test, string source)
    {
        if (o.Epochs < 1) throw new RecoveryException($"recovery needs at least 1 epoch (got {o.Epochs})");
        if (o.BatchSize < 1) throw new RecoveryException($"batch size must be at least 1 (got {o.BatchSize})");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate))
            throw new RecoveryException($"learning rate must be a positive number (got {o.LearningRate})");
        if (!(o.Momentum >= 0 && o.Momentum < 1)) throw new RecoveryException($"momentum must be in [0, 1) (got {o.Momentum})");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay))
            throw new RecoveryException($"weight decay must be zero or positive (got {o.WeightDecay})");
        if (o.Threads < 1) throw new RecoveryException($"threads must be at least 1 (got {o.Threads})");
        if (train.Count == 0) throw new RecoveryException($"training data '{train.Spec}' is empty");
        if (test.Count == 0) throw new RecoveryException($"test data '{test.Spec}' is empty");
        if (!train.SampleShape.SequenceEqual(test.SampleShape) || train.ClassCount != test.ClassCount)
            throw new RecoveryException($"{source}: training data '{train.Spec}' (samples [{string.Join(",", train.SampleShape)}], {train.ClassCount} classes) and test data '{test.Spec}' (samples [{string.Join(",", test.SampleShape)}], {test.ClassCount} classes) do not match");
    }

    /// <summary>How samples are laid out for the model input, and the input shape without the batch axis.</summary>
    private static (TensorLayout Layout, long[] SampleDims) InputLayout(OnnxModel model, string input, Dataset data)
    {
        long?[] declared = model.Index().DeclaredShape(input) ?? [null, .. data.SampleShape.Select(d => (long?)d)];
        TensorLayout layout;
        try
        {
            layout = BatchCopier.LayoutFor(data.SampleShape, declared);
        }
        catch (DataFormatException e)
        {
            throw new RecoveryException($"{model.Source}: {e.Message}", e);
        }
        int[] s = data.SampleShape;
        long[] dims = layout switch
        {
            TensorLayout.Flat => [data.SampleSize],
            TensorLayout.Nhwc => [s[1], s[2], s[0]],
            _ => s.Select(d => (long)d).ToArray(),
        };
        return (layout, dims);
    }

    private static Tensor Loss(Tensor output, Tensor labels, OutputKind kind, int classes, string source)
    {
        if (output.dim() != 2) output = output.reshape(output.shape[0], -1);
        if (output.shape[1] != classes)
            throw new RecoveryException($"{source}: the model outputs {output.shape[1]} values per sample, the data has {classes} classes");
        return kind switch
        {
            OutputKind.LogProbabilities => F.nll_loss(output, labels),
            OutputKind.Probabilities => F.nll_loss(output.clamp_min(1e-12).log(), labels),
            _ => F.cross_entropy(output, labels),
        };
    }

    private static RecoveryEpoch Point(int epoch, double trainLoss, EvaluationResult e, Stopwatch clock) =>
        new(epoch, trainLoss, e.Accuracy, e.ClassAccuracy, e.MeanLoss, clock.Elapsed.TotalSeconds);

    private static void Report(List<RecoveryEpoch> curve, Action<RecoveryEpoch>? onEpoch, RecoveryEpoch point)
    {
        curve.Add(point);
        onEpoch?.Invoke(point);
    }
}
