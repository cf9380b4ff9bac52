namespace OnnxAblation.Data;

/// <summary>Resolves class names: the <c>classes=</c> option, the format's own names, or "0".."K-1".</summary>
internal static class ClassNaming
{
    /// <summary>The 10 Fashion-MNIST class names, in label order.</summary>
    public static readonly string[] FashionMnist =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Most classes a data set may have: per-class results for more are not readable, and a corrupt label
    /// (a huge index) must not make one name per index up to it.</summary>
    public const int MaxClasses = 1 << 16;

    /// <summary>
    /// <paramref name="option"/> is the <c>classes=</c> value or null. When <paramref name="countFixed"/>, a given
    /// list must have exactly <paramref name="classCount"/> names; otherwise (count inferred as max label + 1)
    /// it must have at least that many, and its length becomes the class count.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string? option, int classCount, bool countFixed, IReadOnlyList<string>? formatNames, string source)
    {
        // A label of int.MaxValue makes max + 1 wrap to a negative count.
        if (classCount > MaxClasses || classCount < 0)
            throw new DataFormatException($"{source}: the labels go up to {(classCount < 0 ? int.MaxValue : classCount - 1L)}: labels must be class indices 0..K-1 "
                                          + $"with K at most {MaxClasses:N0} (one class per index is made); are these really the labels?");
        if (option is null)
            return formatNames ?? Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        string[] names = option.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase)
            ? FashionMnist
            : option.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0))
            throw new DataFormatException($"{source}: classes={option} contains an empty class name");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
            throw new DataFormatException($"{source}: classes={option} contains a duplicate class name");
        if (countFixed ? names.Length != classCount : names.Length < classCount)
            throw new DataFormatException(countFixed
                ? $"{source}: classes= gives {names.Length} names but the data has {classCount} classes"
                : $"{source}: classes= gives {names.Length} names but the labels go up to {classCount - 1} ({classCount} classes)");
        return names;
    }
}
