using System.Text;

namespace OnnxAblation.Tests.Data;

/// <summary>A minimal .npy writer for tests (independent of the loader), with knobs to produce bad files.</summary>
internal static class NpyWriter
{
    public static void Write(string path, string descr, int[] shape, byte[] data, bool fortran = false, int major = 1)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        WriteRawHeader(path, $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({dims}), }}", data, major);
    }

    public static void WriteRawHeader(string path, string header, byte[] data, int major = 1)
    {
        int preamble = major == 1 ? 10 : 12;
        int total = preamble + header.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string text = header + new string(' ', padded - total) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8, (byte)major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)text.Length));
        else ms.Write(BitConverter.GetBytes((uint)text.Length));
        ms.Write(Encoding.Latin1.GetBytes(text));
        ms.Write(data);
        File.WriteAllBytes(path, ms.ToArray());
    }

    public static byte[] Bytes<T>(params T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
