namespace OnnxAblation.Data;

/// <summary>
/// What a format reader produces before preprocessing and class naming: features (channels first),
/// labels, the sample shape and what is known about the classes.
/// </summary>
/// <param name="ClassCount">Number of classes: fixed by the format (sub-folders, digits) or inferred (max label + 1 over the whole file).</param>
/// <param name="ClassCountFixed">True when the format fixes the class count (then a <c>classes=</c> list must match it exactly).</param>
/// <param name="ClassNames">Names given by the format itself (sub-folder names), or null for "0".."K-1".</param>
/// <param name="Labelled">False for inputs without labels (labels are then all 0 until a model supplies its own predictions).</param>
/// <param name="Streamed">For an .npy file too large for its share of the memory budget: where its samples are (then
/// <paramref name="Features"/> is empty and the transform is applied on every read).</param>
internal sealed record RawData(
    float[] Features,
    int[] Labels,
    int[] SampleShape,
    int ClassCount,
    bool ClassCountFixed,
    IReadOnlyList<string>? ClassNames = null,
    bool Labelled = true,
    NpyStream? Streamed = null);
