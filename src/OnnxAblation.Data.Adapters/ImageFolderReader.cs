using System.Globalization;
using SkiaSharp;

namespace OnnxAblation.Data;

/// <summary>
/// Reads an image folder: one sub-folder per class (sorted by ordinal name = class index), PNG/JPEG files in
/// each (sorted by ordinal name). Options: <c>size=WxH</c> (resize; default the first image's size),
/// <c>color=gray|rgb</c> (default gray). Values are scaled to [0,1]; RGB is stored channels first [3,H,W].
/// Gray is computed from RGB like Pillow's <c>convert("L")</c>: (R·19595 + G·38470 + B·7471 + 0x8000) &gt;&gt; 16.
/// </summary>
internal static class ImageFolderReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static RawData Load(DataSpec spec, int? limit)
    {
        string root = spec.Path;
        DataFiles.RequireDirectory(root, spec.Text);
        bool rgb = ParseColor(spec);
        (int W, int H)? size = ParseSize(spec);

        string[] classDirs = Directory.GetDirectories(root);
        Array.Sort(classDirs, StringComparer.Ordinal);
        bool labelled = classDirs.Length > 0;
        var classNames = labelled ? classDirs.Select(d => Path.GetFileName(d)).ToArray() : ["0"];

        var files = new List<(string File, int Label)>();
        if (!labelled)
        {
            // no class sub-folders: the images of the folder itself, unlabelled
            string[] loose = Directory.GetFiles(root).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToArray();
            if (loose.Length == 0)
                throw new DataFormatException($"{spec.Text}: '{root}' has no class sub-folders and no PNG/JPEG images of its own (expected one sub-folder of images per class, or the images themselves for unlabelled data)");
            Array.Sort(loose, StringComparer.Ordinal);
            files.AddRange(loose.Select(f => (f, 0)));
        }
        for (int c = 0; c < classDirs.Length; c++)
        {
            string[] images = Directory.GetFiles(classDirs[c])
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .ToArray();
            if (images.Length == 0)
                throw new DataFormatException($"{spec.Text}: class folder '{classDirs[c]}' contains no PNG or JPEG images");
            Array.Sort(images, StringComparer.Ordinal);
            files.AddRange(images.Select(f => (f, c)));
        }
        int n = Math.Min(files.Count, limit ?? int.MaxValue);

        int channels = rgb ? 3 : 1;
        float[]? features = null;
        int width = 0, height = 0;
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            using SKBitmap bitmap = Decode(files[i].File);
            if (features is null)
            {
                (width, height) = size ?? (bitmap.Width, bitmap.Height);
                features = new float[checked((long)n * channels * width * height)];
            }
            using SKBitmap? resized = Resize(bitmap, width, height, size is not null, files[i].File, files[0].File);
            CopyPixels(resized ?? bitmap, rgb, features.AsSpan(i * channels * width * height, channels * width * height));
            labels[i] = files[i].Label;
        }
        return labelled
            ? new RawData(features ?? [], labels, [channels, height, width], classDirs.Length, ClassCountFixed: true, classNames)
            : new RawData(features ?? [], labels, [channels, height, width], 1, ClassCountFixed: false, Labelled: false);
    }

    private static bool ParseColor(DataSpec spec) => (spec.Get("color") ?? "gray").ToLowerInvariant() switch
    {
        "gray" or "grey" => false,
        "rgb" => true,
        string other => throw new DataFormatException($"{spec.Text}: color={other} is not one of gray, rgb"),
    };

    private static (int W, int H)? ParseSize(DataSpec spec)
    {
        string? value = spec.Get("size");
        if (value is null) return null;
        string[] parts = value.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w > 0 && h > 0)
            return (w, h);
        throw new DataFormatException($"{spec.Text}: size={value} is not WIDTHxHEIGHT with positive integers (e.g. size=28x28)");
    }

    /// <summary>Decodes to unpremultiplied RGBA8888 without colour-space conversion.</summary>
    private static SKBitmap Decode(string file)
    {
        using SKCodec? codec = SKCodec.Create(file, out SKCodecResult result);
        if (codec is null)
            throw new DataFormatException($"'{file}': cannot decode image ({result})");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return SKBitmap.Decode(codec, info)
            ?? throw new DataFormatException($"'{file}': cannot decode image of {info.Width}×{info.Height}");
    }

    /// <summary>Null when no resize is needed; throws when sizes differ and no <c>size=</c> was given.</summary>
    private static SKBitmap? Resize(SKBitmap bitmap, int width, int height, bool resizeAllowed, string file, string first)
    {
        if (bitmap.Width == width && bitmap.Height == height) return null;
        if (!resizeAllowed)
            throw new DataFormatException(
                $"'{file}' is {bitmap.Width}×{bitmap.Height} but the first image '{first}' is {width}×{height}; add size=WxH to the spec to resize all images");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new DataFormatException($"'{file}': cannot resize to {width}×{height}");
    }

    private static void CopyPixels(SKBitmap bitmap, bool rgb, Span<float> destination)
    {
        ReadOnlySpan<byte> px = bitmap.GetPixelSpan();
        int plane = bitmap.Width * bitmap.Height;
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < bitmap.Height; y++)
        {
            ReadOnlySpan<byte> row = px.Slice(y * rowBytes, bitmap.Width * 4);
            for (int x = 0; x < bitmap.Width; x++)
            {
                int r = row[4 * x], g = row[4 * x + 1], b = row[4 * x + 2];
                int o = y * bitmap.Width + x;
                if (rgb)
                {
                    destination[o] = r / 255f;
                    destination[plane + o] = g / 255f;
                    destination[2 * plane + o] = b / 255f;
                }
                else
                {
                    destination[o] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255f;
                }
            }
        }
    }
}
