using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace OnnxAblation.Recovery;

/// <summary>What an operator needs to know besides its inputs.</summary>
internal sealed record OpContext(int Opset, bool Training);

/// <summary>
/// The ONNX operators the TorchSharp executor runs, one method per operator family. Every method returns new
/// tensors (never an input itself), so disposing outputs never disposes parameters or graph inputs.
/// </summary>
internal static class OnnxOps
{
    /// <summary>Operator types (default domain) that <see cref="Run"/> executes.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(TransformerOps.Supported, StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Conv", "ConvTranspose", "BatchNormalization",
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Transpose", "Concat", "Dropout", "Identity",
        "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Clip", "Slice",
    };

    /// <summary>Runs one node; returns one entry per declared output (null where an optional output is not produced).</summary>
    public static Tensor?[] Run(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        return node.OpType switch
        {
            "Gemm" => [Gemm(node, x)],
            "MatMul" => [torch.matmul(In(node, x, 0), In(node, x, 1))],
            "Add" => [In(node, x, 0) + In(node, x, 1)],
            "Sub" => [In(node, x, 0) - In(node, x, 1)],
            "Mul" => [In(node, x, 0) * In(node, x, 1)],
            "Div" => [Div(In(node, x, 0), In(node, x, 1))],
            "Conv" => [Conv(node, x)],
            "ConvTranspose" => [ConvTranspose(node, x)],
            "BatchNormalization" => BatchNorm(node, x, ctx),
            "Relu" => [F.relu(In(node, x, 0))],
            "LeakyRelu" => [F.leaky_relu(In(node, x, 0), NodeAttributes.Float(node, "alpha", 0.01f))],
            "Sigmoid" => [In(node, x, 0).sigmoid()],
            "Tanh" => [In(node, x, 0).tanh()],
            "Softmax" => [Softmax(node, In(node, x, 0), ctx, log: false)],
            "LogSoftmax" => [Softmax(node, In(node, x, 0), ctx, log: true)],
            "MaxPool" => MaxPool(node, x),
            "AveragePool" => [AveragePool(node, x)],
            "GlobalAveragePool" => [In(node, x, 0).mean(SpatialDims(In(node, x, 0)), keepdim: true)],
            "GlobalMaxPool" => [In(node, x, 0).amax(SpatialDims(In(node, x, 0)), keepdim: true)],
            "Flatten" => [Flatten(node, In(node, x, 0))],
            "Reshape" => [Reshape(node, x)],
            "Transpose" => [Transpose(node, In(node, x, 0))],
            "Concat" => [torch.cat(x.Select((t, i) => t ?? In(node, x, i)).ToArray(), NodeAttributes.Int(node, "axis", 0))],
            "Dropout" => Dropout(node, x, ctx),
            "Identity" => [In(node, x, 0).alias()],
            "Shape" => [Shape(node, In(node, x, 0))],
            "Gather" => [Gather(node, x)],
            "Unsqueeze" => [Unsqueeze(node, x, ctx)],
            "Squeeze" => [Squeeze(node, x, ctx)],
            "Cast" => [In(node, x, 0).to_type(TorchTensors.ScalarTypeOf(NodeAttributes.Int(node, "to", 1)), copy: true)],
            "Clip" => [Clip(node, x, ctx)],
            "Slice" => [Slice(node, x, ctx)],
            _ when TransformerOps.Supported.Contains(node.OpType) => [TransformerOps.Run(node, x, ctx)],
            _ => throw Unsupported(node, "<graph>"),
        };
    }

    public static RecoveryException Unsupported(NodeProto node, string source)
    {
        string domain = node.Domain is "" or "ai.onnx" ? "" : $" (domain '{node.Domain}')";
        return new RecoveryException(
            $"{source}: operator {node.OpType}{domain} of node '{Onnx.GraphIndex.DisplayName(node)}' is not supported by the TorchSharp executor " +
            $"used for recovery training; supported operators: {string.Join(", ", Supported.Order(StringComparer.Ordinal))}");
    }

    private static Tensor In(NodeProto node, Tensor?[] x, int i) =>
        i < x.Length && x[i] is { } t ? t
            : throw new RecoveryException($"{NodeAttributes.Describe(node)}: input {i} is missing");

    private static Tensor? Opt(Tensor?[] x, int i) => i < x.Length ? x[i] : null;

    private static long[] SpatialDims(Tensor t) => Enumerable.Range(2, (int)t.dim() - 2).Select(d => (long)d).ToArray();

    private static bool IsIntegral(Tensor t) => t.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    /// <summary>
    /// ONNX integer Div truncates and keeps the integer type (exporters compute head sizes this way:
    /// (192 + 2) / 3 = 64). Computed in float64 and truncated: exact for values below 2^53, which shape
    /// arithmetic never reaches.
    /// </summary>
    private static Tensor Div(Tensor a, Tensor b)
    {
        if (!(IsIntegral(a) && IsIntegral(b))) return a / b;
        using var x = a.to_type(ScalarType.Float64);
        using var y = b.to_type(ScalarType.Float64);
        using var q = x / y;
        using var t = q.trunc();
        return t.to_type(a.dtype);
    }

    private static Tensor Gemm(NodeProto node, Tensor?[] x)
    {
        var a = In(node, x, 0);
        var b = In(node, x, 1);
        if (NodeAttributes.Int(node, "transA", 0) != 0) a = a.t();
        if (NodeAttributes.Int(node, "transB", 0) != 0) b = b.t();
        float alpha = NodeAttributes.Float(node, "alpha", 1f);
        float beta = NodeAttributes.Float(node, "beta", 1f);
        var y = torch.mm(a, b);
        if (alpha != 1f) y = y * alpha;
        if (Opt(x, 2) is { } c && beta != 0f) y = beta == 1f ? y + c : y + c * beta;
        return y;
    }

    // ---------------------------------------------------------------- convolution and pooling geometry

    /// <summary>Kernel, strides, dilations and explicit begin/end pads of a conv or pool node, auto_pad resolved.</summary>
    private sealed record Window(long[] Kernel, long[] Strides, long[] Dilations, long[] Begin, long[] End)
    {
        public int Rank => Kernel.Length;

        public bool Symmetric => Begin.SequenceEqual(End);

        public bool AnyPad => Begin.Any(p => p != 0) || End.Any(p => p != 0);

        /// <summary>Pads in the order <c>functional.pad</c> wants: last dim first, (begin, end) pairs.</summary>
        public long[] TorchPad()
        {
            var r = new long[2 * Rank];
            for (int i = 0; i < Rank; i++)
            {
                r[2 * i] = Begin[Rank - 1 - i];
                r[2 * i + 1] = End[Rank - 1 - i];
            }
            return r;
        }
    }

    private static Window WindowOf(NodeProto node, long[] kernel, long[] inputShape, bool transposed = false)
    {
        int n = kernel.Length;
        long[] strides = NodeAttributes.Ints(node, "strides") is { Length: > 0 } s ? s : Ones(n);
        long[] dil = NodeAttributes.Ints(node, "dilations") is { Length: > 0 } d ? d : Ones(n);
        if (strides.Length != n || dil.Length != n)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: strides/dilations do not have one value per spatial axis ({n})");
        var begin = new long[n];
        var end = new long[n];
        string autoPad = NodeAttributes.String(node, "auto_pad", "NOTSET");
        if (autoPad is "NOTSET" or "")
        {
            if (NodeAttributes.Ints(node, "pads") is { Length: > 0 } pads)
            {
                if (pads.Length != 2 * n)
                    throw new RecoveryException($"{NodeAttributes.Describe(node)}: pads has {pads.Length} values, {2 * n} expected");
                Array.Copy(pads, 0, begin, 0, n);
                Array.Copy(pads, n, end, 0, n);
            }
        }
        else if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            if (transposed)
                throw new RecoveryException($"{NodeAttributes.Describe(node)}: auto_pad {autoPad} on ConvTranspose is not supported; give pads or output_shape");
            for (int i = 0; i < n; i++)
            {
                long size = inputShape[2 + i];
                long outSize = (size + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - size);
                long small = total / 2;
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
        }
        else if (autoPad != "VALID")
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        return new Window(kernel, strides, dil, begin, end);
    }

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    private static long[] Zeros(int n) => new long[n];

    private static Tensor Conv(NodeProto node, Tensor?[] x)
    {
        var input = In(node, x, 0);
        var w = In(node, x, 1);
        var bias = Opt(x, 2);
        long group = NodeAttributes.Int(node, "group", 1);
        var win = WindowOf(node, w.shape[2..], input.shape);
        if (win.Rank is < 1 or > 3)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: {win.Rank}-D convolution is not supported (1-D, 2-D and 3-D are)");
        long[] padding = win.Begin;
        if (!win.Symmetric)
        {
            input = F.pad(input, win.TorchPad());
            padding = Zeros(win.Rank);
        }
        switch (win.Rank)
        {
            case 1:
                // run as 2-D with a trailing spatial axis of size 1
                using (var i2 = input.unsqueeze(-1))
                using (var w2 = w.unsqueeze(-1))
                using (var y2 = Conv2dUnfold(node, i2, w2, bias, [win.Strides[0], 1], [padding[0], 0], [win.Dilations[0], 1], group))
                    return y2.squeeze(-1);
            case 2:
                return Conv2dUnfold(node, input, w, bias, win.Strides, padding, win.Dilations, group);
            default:
                return F.conv3d(input, w, bias, win.Strides, padding, win.Dilations, group);
        }
    }

    /// <summary>
    /// 2-D convolution as unfold (im2col) + batched matrix product. libtorch's own CPU convolution (oneDNN) was
    /// measured to return intermittent non-finite weight gradients here (TorchSharp 0.107 / libtorch 2.10,
    /// oneDNN 3.7.1, AVX-512 and AVX2 alike) once freed memory is reused; this formulation's forward and backward
    /// are plain matrix products and reductions.
    /// </summary>
    private static Tensor Conv2dUnfold(NodeProto node, Tensor input, Tensor w, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        if (input.dim() != 4) throw new RecoveryException($"{NodeAttributes.Describe(node)}: input has rank {input.dim()}, a 2-D convolution needs rank 4");
        long n = input.shape[0], c = input.shape[1], h = input.shape[2], wd = input.shape[3];
        long o = w.shape[0], kh = w.shape[2], kw = w.shape[3];
        if (groups < 1 || c % groups != 0 || o % groups != 0 || w.shape[1] * groups != c)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: {c} input channels, weight [{string.Join(",", w.shape)}] and group {groups} do not fit");
        long hOut = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1;
        long wOut = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1;
        if (hOut <= 0 || wOut <= 0)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: a {kh}x{kw} kernel does not fit the {h}x{wd} input");
        long k = c / groups * kh * kw;
        using var cols = F.unfold(input, (kh, kw), (dilation[0], dilation[1]), (padding[0], padding[1]), (stride[0], stride[1]));
        using var colsG = cols.reshape(n, groups, k, hOut * wOut);
        using var wG = w.reshape(groups, o / groups, k);
        using var y = torch.matmul(wG, colsG); // [N, G, O/G, L]
        var r = y.reshape(n, o, hOut, wOut);
        if (bias is null) return r;
        using (r)
        using (var b = bias.reshape(1, o, 1, 1))
            return r + b;
    }

    /// <summary>
    /// 2-D transposed convolution without padding (the full output, plus output_padding rows and columns at the end),
    /// as a batched matrix product and fold (col2im); see <see cref="Conv2dUnfold"/> for why not libtorch's kernel.
    /// </summary>
    private static Tensor ConvTranspose2dFold(NodeProto node, Tensor input, Tensor w, Tensor? bias, long[] stride, long[] outPad, long[] dilation, long groups)
    {
        if (input.dim() != 4) throw new RecoveryException($"{NodeAttributes.Describe(node)}: input has rank {input.dim()}, a 2-D transposed convolution needs rank 4");
        long n = input.shape[0], c = input.shape[1], h = input.shape[2], wd = input.shape[3];
        long kh = w.shape[2], kw = w.shape[3], o = w.shape[1] * groups;
        if (groups < 1 || c % groups != 0 || w.shape[0] != c)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: {c} input channels, weight [{string.Join(",", w.shape)}] and group {groups} do not fit");
        for (int i = 0; i < 2; i++)
            if (outPad[i] < 0 || outPad[i] >= Math.Max(stride[i], dilation[i]))
                throw new RecoveryException($"{NodeAttributes.Describe(node)}: output_padding {outPad[i]} must be smaller than the stride or the dilation");
        long hFull = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + outPad[0];
        long wFull = (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + outPad[1];
        long perGroup = o / groups * kh * kw;
        using var x = input.reshape(n, groups, c / groups, h * wd);
        using var wG = w.reshape(groups, c / groups, perGroup);
        using var wT = wG.transpose(1, 2); // [G, (O/G)·kh·kw, C/G]
        using var cols = torch.matmul(wT, x); // [N, G, (O/G)·kh·kw, H·W]
        using var flat = cols.reshape(n, o * kh * kw, h * wd);
        var r = F.fold(flat, (hFull, wFull), (kh, kw), (dilation[0], dilation[1]), (0, 0), (stride[0], stride[1]));
        if (bias is null) return r;
        using (r)
        using (var b = bias.reshape(1, o, 1, 1))
            return r + b;
    }

    private static Tensor ConvTranspose(NodeProto node, Tensor?[] x)
    {
        var input = In(node, x, 0);
        var w = In(node, x, 1);
        var bias = Opt(x, 2);
        long group = NodeAttributes.Int(node, "group", 1);
        long[] kernel = w.shape[2..];
        int n = kernel.Length;
        if (n is < 1 or > 3)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: {n}-D transposed convolution is not supported (1-D, 2-D and 3-D are)");
        var win = WindowOf(node, kernel, input.shape, transposed: true);
        long[] outPad = NodeAttributes.Ints(node, "output_padding") is { Length: > 0 } op ? op : Zeros(n);
        long[] begin = win.Begin, end = win.End;
        if (NodeAttributes.Ints(node, "output_shape") is { Length: > 0 } outShape)
        {
            long[] spatial = outShape.Length == n ? outShape : outShape[^n..];
            bool upper = NodeAttributes.String(node, "auto_pad", "NOTSET") == "SAME_UPPER";
            begin = new long[n];
            end = new long[n];
            for (int i = 0; i < n; i++)
            {
                long total = win.Strides[i] * (input.shape[2 + i] - 1) + outPad[i] + (kernel[i] - 1) * win.Dilations[i] + 1 - spatial[i];
                if (total < 0)
                {
                    // a larger output than the unpadded one: the extra goes to output_padding
                    outPad[i] -= total;
                    total = 0;
                }
                (begin[i], end[i]) = upper ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
            }
        }
        // Full transposed convolution (no padding), then crop the pads: equal to ONNX for any begin/end pads.
        Tensor full;
        switch (n)
        {
            case 1:
                using (var i2 = input.unsqueeze(-1))
                using (var w2 = w.unsqueeze(-1))
                using (var y2 = ConvTranspose2dFold(node, i2, w2, bias, [win.Strides[0], 1], [outPad[0], 0], [win.Dilations[0], 1], group))
                    full = y2.squeeze(-1);
                break;
            case 2:
                full = ConvTranspose2dFold(node, input, w, bias, win.Strides, outPad, win.Dilations, group);
                break;
            default:
                full = F.conv_transpose3d(input, w, bias, win.Strides, Zeros(3), outPad, win.Dilations, group);
                break;
        }
        if (begin.All(p => p == 0) && end.All(p => p == 0)) return full;
        var y = full;
        for (int i = 0; i < n; i++)
        {
            long size = y.shape[2 + i] - begin[i] - end[i];
            if (size <= 0) throw new RecoveryException($"{NodeAttributes.Describe(node)}: pads leave no output along spatial axis {i}");
            y = y.narrow(2 + i, begin[i], size);
        }
        return y.contiguous();
    }

    private static Tensor?[] MaxPool(NodeProto node, Tensor?[] x)
    {
        if (node.Output.Count > 1 && node.Output[1].Length > 0)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: the Indices output of MaxPool is not supported");
        if (NodeAttributes.Int(node, "storage_order", 0) != 0)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: storage_order 1 is not supported");
        var input = In(node, x, 0);
        var win = WindowOf(node, NodeAttributes.RequiredInts(node, "kernel_shape"), input.shape);
        bool ceil = NodeAttributes.Int(node, "ceil_mode", 0) != 0;
        long[] padding = win.Begin;
        bool torchPads = win.Symmetric && Enumerable.Range(0, win.Rank).All(i => win.Begin[i] <= ((win.Kernel[i] - 1) * win.Dilations[i] + 1) / 2);
        if (!torchPads)
        {
            input = F.pad(input, win.TorchPad(), value: double.NegativeInfinity);
            padding = Zeros(win.Rank);
        }
        Tensor y = win.Rank switch
        {
            1 => Lift1D(input, t => F.max_pool2d(t, [win.Kernel[0], 1], [win.Strides[0], 1], [padding[0], 0], [win.Dilations[0], 1], ceil)),
            2 => F.max_pool2d(input, win.Kernel, win.Strides, padding, win.Dilations, ceil),
            3 => F.max_pool3d(input, win.Kernel, win.Strides, padding, win.Dilations, ceil),
            _ => throw new RecoveryException($"{NodeAttributes.Describe(node)}: {win.Rank}-D pooling is not supported (1-D, 2-D and 3-D are)"),
        };
        return [y];
    }

    private static Tensor AveragePool(NodeProto node, Tensor?[] x)
    {
        var input = In(node, x, 0);
        var win = WindowOf(node, NodeAttributes.RequiredInts(node, "kernel_shape"), input.shape);
        if (win.Dilations.Any(d => d != 1))
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: dilated AveragePool is not supported");
        bool ceil = NodeAttributes.Int(node, "ceil_mode", 0) != 0;
        bool includePad = NodeAttributes.Int(node, "count_include_pad", 0) != 0;
        bool torchPads = win.Symmetric && Enumerable.Range(0, win.Rank).All(i => win.Begin[i] <= win.Kernel[i] / 2);
        if (torchPads || !win.AnyPad)
            return AvgPool(node, input, win, win.Begin, ceil, includePad);
        // Asymmetric or large pads: pad explicitly; without count_include_pad divide by the count of real elements.
        using var padded = F.pad(input, win.TorchPad());
        if (includePad) return AvgPool(node, padded, win, Zeros(win.Rank), ceil, true);
        using var ones = torch.ones_like(input);
        using var paddedOnes = F.pad(ones, win.TorchPad());
        using var sum = AvgPool(node, padded, win, Zeros(win.Rank), ceil, true);
        using var count = AvgPool(node, paddedOnes, win, Zeros(win.Rank), ceil, true);
        return sum / count;
    }

    private static Tensor AvgPool(NodeProto node, Tensor input, Window win, long[] padding, bool ceil, bool includePad) => win.Rank switch
    {
        1 => Lift1D(input, t => F.avg_pool2d(t, [win.Kernel[0], 1], [win.Strides[0], 1], [padding[0], 0], ceil, includePad)),
        2 => F.avg_pool2d(input, win.Kernel, win.Strides, padding, ceil, includePad),
        3 => F.avg_pool3d(input, win.Kernel, win.Strides, padding, ceil, includePad),
        _ => throw new RecoveryException($"{NodeAttributes.Describe(node)}: {win.Rank}-D pooling is not supported (1-D, 2-D and 3-D are)"),
    };

    private static Tensor Lift1D(Tensor input, Func<Tensor, Tensor> op2d)
    {
        using var t = input.unsqueeze(-1);
        using var y = op2d(t);
        return y.squeeze(-1);
    }

    // ---------------------------------------------------------------- normalisation, activations

    private static Tensor?[] BatchNorm(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        var scale = In(node, x, 1);
        var shift = In(node, x, 2);
        var mean = In(node, x, 3);
        var variance = In(node, x, 4);
        double eps = NodeAttributes.Float(node, "epsilon", 1e-5f);
        double momentum = NodeAttributes.Float(node, "momentum", 0.9f);
        if (input.dim() < 2) throw new RecoveryException($"{NodeAttributes.Describe(node)}: input has rank {input.dim()}, at least 2 is needed");
        var outputs = new Tensor?[node.Output.Count];
        // Batch statistics only while training and only where the BatchNorm itself learns (scale or shift trainable):
        // a frozen BatchNorm keeps normalising with, and keeps, its running statistics.
        bool batchStats = ctx.Training && (scale.requires_grad || shift.requires_grad);
        if (!batchStats)
        {
            outputs[0] = F.batch_norm(input, mean, variance, scale, shift, training: false, eps: eps);
        }
        else
        {
            long[] dims = [0, .. SpatialDims(input)];
            long[] view = [1, input.shape[1], .. Enumerable.Repeat(1L, (int)input.dim() - 2)];
            using var batchMean = input.mean(dims, keepdim: true);
            using var centred = input - batchMean;
            using var batchVar = centred.square().mean(dims, keepdim: true); // population variance, as ONNX defines it
            using var inv = (batchVar + eps).rsqrt();
            using var s = scale.reshape(view);
            using var b = shift.reshape(view);
            outputs[0] = centred * inv * s + b;
            using (torch.no_grad())
            {
                // ONNX: running = running × momentum + batch × (1 − momentum)
                using var m = batchMean.detach().flatten();
                using var v = batchVar.detach().flatten();
                mean.mul_(momentum).add_(m, alpha: 1 - momentum);
                variance.mul_(momentum).add_(v, alpha: 1 - momentum);
            }
        }
        for (int i = 1; i < outputs.Length; i++)
        {
            if (node.Output[i].Length == 0) continue;
            outputs[i] = i switch
            {
                1 => mean.detach().clone(),
                2 => variance.detach().clone(),
                _ => throw new RecoveryException($"{NodeAttributes.Describe(node)}: output {i} (saved statistics) is not supported"),
            };
        }
        return outputs;
    }

    private static Tensor Softmax(NodeProto node, Tensor input, OpContext ctx, bool log)
    {
        long rank = input.dim();
        long axis = NodeAttributes.Int(node, "axis", ctx.Opset >= 13 ? -1 : 1);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= Math.Max(rank, 1))
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: axis {NodeAttributes.Int(node, "axis", 0)} is outside the input's rank {rank}");
        if (ctx.Opset >= 13 || axis == rank - 1)
            return log ? input.log_softmax(axis) : input.softmax(axis);
        // Before opset 13 the input is coerced to 2-D [prod(dims < axis), prod(dims >= axis)].
        long[] shape = input.shape;
        long outer = shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        using var flat = input.reshape(outer, -1);
        using var r = log ? flat.log_softmax(1) : flat.softmax(1);
        return r.reshape(shape);
    }

    private static Tensor?[] Dropout(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        double ratio = ctx.Opset >= 12
            ? Opt(x, 1) is { } r ? TorchTensors.Scalar(r) : 0.5
            : NodeAttributes.Float(node, "ratio", 0.5f);
        bool wantMask = node.Output.Count > 1 && node.Output[1].Length > 0;
        if (!ctx.Training || ratio <= 0)
            return wantMask ? [input.alias(), torch.ones_like(input, ScalarType.Bool)] : [input.alias()];
        if (ratio >= 1)
            return wantMask ? [torch.zeros_like(input), torch.zeros_like(input, ScalarType.Bool)] : [torch.zeros_like(input)];
        using var u = torch.rand_like(input);
        var keep = u.ge(ratio);
        var y = input * keep * (1.0 / (1.0 - ratio));
        if (wantMask) return [y, keep];
        keep.Dispose();
        return [y];
    }

    private static Tensor Clip(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        if (ctx.Opset < 11)
        {
            float min = NodeAttributes.Float(node, "min", float.NegativeInfinity);
            float max = NodeAttributes.Float(node, "max", float.PositiveInfinity);
            return input.clamp(min, max);
        }
        return torch.clamp(input, Opt(x, 1), Opt(x, 2));
    }

    // ---------------------------------------------------------------- shape plumbing

    private static Tensor Flatten(NodeProto node, Tensor input)
    {
        long rank = input.dim();
        long axis = NodeAttributes.Int(node, "axis", 1);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis > rank)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: axis {axis} is outside 0..{rank}");
        long[] shape = input.shape;
        long outer = shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        long inner = shape[(int)axis..].Aggregate(1L, (a, b) => a * b);
        return input.reshape(outer, inner);
    }

    private static Tensor Reshape(NodeProto node, Tensor?[] x)
    {
        var input = In(node, x, 0);
        long[] target = TorchTensors.Longs(In(node, x, 1));
        bool allowZero = NodeAttributes.Int(node, "allowzero", 0) != 0;
        long[] shape = input.shape;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && !allowZero)
            {
                if (i >= shape.Length)
                    throw new RecoveryException($"{NodeAttributes.Describe(node)}: target shape [{string.Join(",", target)}] copies dimension {i} (0), but the input has rank {shape.Length}");
                target[i] = shape[i];
            }
        }
        if (target.Count(d => d == -1) > 1)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: target shape [{string.Join(",", target)}] has more than one -1");
        return input.reshape(target);
    }

    private static Tensor Transpose(NodeProto node, Tensor input)
    {
        long[] perm = NodeAttributes.Ints(node, "perm") is { Length: > 0 } p ? p
            : Enumerable.Range(0, (int)input.dim()).Reverse().Select(i => (long)i).ToArray();
        return input.permute(perm).contiguous();
    }

    private static Tensor Shape(NodeProto node, Tensor input)
    {
        long[] shape = input.shape;
        int rank = shape.Length;
        long start = NodeAttributes.Int(node, "start", 0);
        long end = NodeAttributes.Int(node, "end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.Clamp(start, 0, rank);
        end = Math.Clamp(end, start, rank);
        return torch.tensor(shape[(int)start..(int)end]);
    }

    private static Tensor Gather(NodeProto node, Tensor?[] x)
    {
        var data = In(node, x, 0);
        var indices = In(node, x, 1);
        long rank = data.dim();
        long axis = NodeAttributes.Int(node, "axis", 0);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank)
            throw new RecoveryException($"{NodeAttributes.Describe(node)}: axis is outside the data's rank {rank}");
        long size = data.shape[axis];
        using var flat = indices.to_type(ScalarType.Int64).flatten();
        using var negative = flat.lt(0);
        using var wrapped = flat + size;
        using var idx = torch.where(negative, wrapped, flat);
        using var picked = data.index_select(axis, idx);
        long[] shape = [.. data.shape[..(int)axis], .. indices.shape, .. data.shape[(int)(axis + 1)..]];
        return picked.reshape(shape);
    }

    private static long[] Axes(NodeProto node, Tensor?[] x, OpContext ctx) =>
        ctx.Opset >= 13
            ? Opt(x, 1) is { } a ? TorchTensors.Longs(a) : []
            : NodeAttributes.Ints(node, "axes") ?? [];

    private static Tensor Unsqueeze(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        long[] axes = Axes(node, x, ctx);
        if (axes.Length == 0) throw new RecoveryException($"{NodeAttributes.Describe(node)}: no axes given");
        long outRank = input.dim() + axes.Length;
        var sorted = axes.Select(a => a < 0 ? a + outRank : a).Order().ToArray();
        var y = input.alias();
        foreach (long a in sorted)
        {
            var next = y.unsqueeze(a);
            y.Dispose();
            y = next;
        }
        return y;
    }

    private static Tensor Squeeze(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        long[] axes = Axes(node, x, ctx);
        if (axes.Length == 0) return input.squeeze();
        long rank = input.dim();
        var y = input.alias();
        foreach (long a in axes.Select(a => a < 0 ? a + rank : a).OrderDescending())
        {
            if (input.shape[a] != 1)
                throw new RecoveryException($"{NodeAttributes.Describe(node)}: axis {a} has size {input.shape[a]}, not 1");
            var next = y.squeeze(a);
            y.Dispose();
            y = next;
        }
        return y;
    }

    private static Tensor Slice(NodeProto node, Tensor?[] x, OpContext ctx)
    {
        var input = In(node, x, 0);
        long[] starts, ends, axes, steps;
        if (ctx.Opset < 10)
        {
            starts = NodeAttributes.RequiredInts(node, "starts");
            ends = NodeAttributes.RequiredInts(node, "ends");
            axes = NodeAttributes.Ints(node, "axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Ones(starts.Length);
        }
        else
        {
            starts = TorchTensors.Longs(In(node, x, 1));
            ends = TorchTensors.Longs(In(node, x, 2));
            axes = Opt(x, 3) is { } a ? TorchTensors.Longs(a) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Opt(x, 4) is { } s ? TorchTensors.Longs(s) : Ones(starts.Length);
        }
        long rank = input.dim();
        var y = input.alias();
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + rank : axes[i];
            long dim = input.shape[axis];
            if (steps[i] <= 0)
                throw new RecoveryException($"{NodeAttributes.Describe(node)}: step {steps[i]} is not supported (only positive steps are)");
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, start, dim);
            var next = y.slice(axis, start, end, steps[i]);
            y.Dispose();
            y = next;
        }
        return y.contiguous();
    }
}
