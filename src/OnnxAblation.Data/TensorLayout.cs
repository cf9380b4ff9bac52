namespace OnnxAblation.Data;

/// <summary>How a batch of samples is laid out in a model's input tensor.</summary>
public enum TensorLayout
{
    /// <summary>[N, F]: each sample flattened (a straight copy of the channels-first storage).</summary>
    Flat,

    /// <summary>[N, C, H, W]: channels first (a straight copy of the storage).</summary>
    Nchw,

    /// <summary>[N, H, W, C]: channels last (each [C,H,W] sample is transposed).</summary>
    Nhwc,
}
