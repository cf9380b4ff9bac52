using System.Text;
using OnnxAblation.Data;
using OnnxAblation.Fuzz;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Fuzz;

/// <summary>
/// The fuzz targets of tools/fuzz.sh, replayed in-process on every test run: each target's seeds (cut from the real
/// data and models), every earlier finding kept in tests/fuzz/regressions/TARGET/, and a fixed set of mutants of the
/// seeds (bit flips, interesting bytes, truncations, duplicated and deleted chunks) either load or are refused with
/// one of the engine's clear errors, allocating at most a bound proportional to the input's size.
/// </summary>
public class FuzzReplayTests
{
    private static readonly Lazy<Workspace> Shared = new(() => Workspace.Create(TestPaths.NewTempDirectory(), TestPaths.Root));

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    /// <summary>Allocation bound: 64 bytes per input byte (decoding floats, protobuf objects, copies) plus 32 MB.</summary>
    private static long Bound(int inputBytes) => 64L * inputBytes + (32L << 20);

    private static IEnumerable<(string Name, byte[] Bytes)> Inputs(string target)
    {
        var w = Shared.Value;
        foreach (var (t, name, bytes) in w.Seeds(TestPaths.Root))
            if (t == target) yield return ("seed " + name, bytes);
        string regressions = Path.Combine(TestPaths.Root, "tests", "fuzz", "regressions", target);
        if (Directory.Exists(regressions))
            foreach (string f in Directory.GetFiles(regressions).Order(StringComparer.Ordinal))
                yield return ("regression " + Path.GetFileName(f), File.ReadAllBytes(f));
    }

    private static (bool Loaded, long Allocated) RunBounded(string target, string name, byte[] input)
    {
        var t = FuzzTargets.Get(target);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string? refused;
        try
        {
            refused = FuzzTargets.Run(t, input, Shared.Value);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{target}: {name} ({input.Length} bytes, base64 {Convert.ToBase64String(input.AsSpan(0, Math.Min(input.Length, 96)))}…) is a finding: {e.GetType().Name}: {e.Message}", e);
        }
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used <= Bound(input.Length), $"{target}: {name}: allocated {used:N0} bytes for a {input.Length:N0}-byte input (bound {Bound(input.Length):N0})");
        if (refused is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(refused), $"{target}: {name}: refused without a message");
            Assert.DoesNotContain('\n', refused.Trim());
        }
        return (refused is null, used);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_and_regressions_load_or_are_refused_clearly_within_the_memory_bound(string target)
    {
        int seeds = 0;
        foreach (var (name, bytes) in Inputs(target))
        {
            var (loaded, _) = RunBounded(target, name, bytes);
            if (name.StartsWith("seed ", StringComparison.Ordinal))
            {
                Assert.True(loaded, $"{target}: the seed {name} should load (seeds are valid files)");
                seeds++;
            }
        }
        Assert.True(seeds > 0, $"no seeds for {target}");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutants_of_the_seeds_load_or_are_refused_clearly_within_the_memory_bound(string target)
    {
        var rng = new Random(target.Sum(c => c) * 7919); // fixed per target: the same mutants every run
        int refused = 0, loaded = 0;
        foreach (var (name, seed) in Inputs(target).Where(i => i.Name.StartsWith("seed ", StringComparison.Ordinal)).ToList())
        {
            for (int k = 0; k < 150; k++)
            {
                byte[] mutant = Mutate(seed, rng);
                if (RunBounded(target, $"{name} mutant {k}", mutant).Loaded) loaded++;
                else refused++;
            }
        }
        Assert.True(refused > 0, $"{target}: no mutant was refused: the mutations are too weak to test anything");
    }

    /// <summary>AFL-style havoc: a few stacked bit flips, interesting values, truncations, chunk copies and deletions.</summary>
    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = new List<byte>(seed);
        int ops = 1 + rng.Next(4);
        byte[] interesting = [0, 1, 0x7f, 0x80, 0xff, (byte)'9', (byte)',', (byte)'-'];
        for (int o = 0; o < ops && b.Count > 0; o++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = interesting[rng.Next(interesting.Length)]; break;
                case 2: b.RemoveRange(at, b.Count - at); break;
                case 3: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(16))); break;
                case 4: b.InsertRange(at, b.Skip(rng.Next(b.Count)).Take(1 + rng.Next(32)).ToList()); break;
                default:
                    // a large number where a header holds sizes and counts
                    int p = rng.Next(Math.Min(b.Count, 128));
                    byte[] big = BitConverter.GetBytes(rng.Next(2) == 0 ? int.MaxValue : 0x7fff_ffff_ffff_ffffL >> rng.Next(40));
                    for (int i = 0; i < big.Length && p + i < b.Count; i++) b[p + i] = big[i];
                    break;
            }
        }
        return [.. b];
    }

    [Fact]
    public void A_1_KB_npy_header_claiming_10_to_the_12_elements_is_refused_before_allocating()
    {
        string dir = TestPaths.NewTempDirectory();
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }";
        int total = 10 + header.Length + 1, padded = (total + 63) / 64 * 64;
        using (var ms = new MemoryStream())
        {
            ms.Write([0x93, .. "NUMPY"u8, 1, 0]);
            string text = header + new string(' ', padded - total) + "\n";
            ms.Write(BitConverter.GetBytes((ushort)text.Length));
            ms.Write(Encoding.Latin1.GetBytes(text));
            ms.Write(new byte[1024 - (int)ms.Length]);
            File.WriteAllBytes(Path.Combine(dir, "x.npy"), ms.ToArray());
        }
        File.Copy(Shared.Value.P("y.npy"), Path.Combine(dir, "y.npy"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => DataSets.Load($"npy:{dir}/x.npy,{dir}/y.npy"));
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used < 1 << 20, $"allocated {used:N0} bytes before refusing");
        Assert.Contains("x.npy", e.Message, StringComparison.Ordinal);
    }
}
