using OnnxAblation.Ablation.Sharding;

namespace OnnxAblation.Tests.Store;

public sealed class ShardSpecTests
{
    private static Dictionary<string, string?> Env(params (string Name, string? Value)[] vars) =>
        vars.ToDictionary(v => v.Name, v => v.Value);

    [Theory]
    [InlineData("0/4", 0, 4)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 2/5 ", 2, 5)]
    [InlineData("0/1", 0, 1)]
    public void Parses_k_of_n(string text, int k, int n)
    {
        var spec = ShardSpec.Parse(text);
        Assert.Equal(new ShardSpec(k, n), spec);
        Assert.Equal($"{k}/{n}", spec.ToString());
    }

    [Theory]
    [InlineData("4/4", "0..3")]
    [InlineData("5/4", "0..3")]
    [InlineData("-1/4", "expected k/N")]
    [InlineData("1/0", "at least 1")]
    [InlineData("a/b", "expected k/N")]
    [InlineData("1", "expected k/N")]
    [InlineData("1/2/3", "expected k/N")]
    [InlineData("", "expected k/N")]
    public void Rejects_bad_shards_saying_why(string text, string why)
    {
        var ex = Assert.Throws<FormatException>(() => ShardSpec.Parse(text));
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_shard_wins_over_the_environment()
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("JOB_COMPLETION_INDEX", "1"));
        Assert.Equal(new ShardSpec(1, 2), ShardSpec.FromEnvironment(new ShardSpec(1, 2), null, env));
        Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(new ShardSpec(1, 2), 3, env));
    }

    [Fact]
    public void Slurm_array_task_with_and_without_a_min_offset()
    {
        Assert.Equal(new ShardSpec(3, 8), ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "8"))));
        // --array=1-8: ids 1..8 are shards 0..7
        Assert.Equal(new ShardSpec(4, 8), ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("SLURM_ARRAY_TASK_MIN", "1"))));
        Assert.Equal(new ShardSpec(7, 8), ShardSpec.FromEnvironment(null, 8,
            Env(("SLURM_ARRAY_TASK_ID", "8"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("SLURM_ARRAY_TASK_MIN", "1"))));
        // --array=10-40:10
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "30"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_STEP", "10"))));
        // SLURM wins over a Kubernetes index
        Assert.Equal(new ShardSpec(0, 2), ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2"), ("JOB_COMPLETION_INDEX", "1"))));
    }

    [Fact]
    public void Slurm_errors_are_clear()
    {
        var ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "8"), ("SLURM_ARRAY_TASK_COUNT", "8"))));
        Assert.Contains("SLURM_ARRAY_TASK_ID=8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0..7", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, null, Env(("SLURM_ARRAY_TASK_ID", "2"))));
        Assert.Contains("SLURM_ARRAY_TASK_COUNT", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new ShardSpec(2, 3), ShardSpec.FromEnvironment(null, 3, Env(("SLURM_ARRAY_TASK_ID", "2"))));

        ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, 4,
            Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "8"))));
        Assert.Contains("agree", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "x1"), ("SLURM_ARRAY_TASK_COUNT", "8"))));
        Assert.Contains("SLURM_ARRAY_TASK_ID='x1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_indexed_job_needs_the_count_option()
    {
        Assert.Equal(new ShardSpec(2, 5), ShardSpec.FromEnvironment(null, 5, Env(("JOB_COMPLETION_INDEX", "2"))));
        var ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, null, Env(("JOB_COMPLETION_INDEX", "2"))));
        Assert.Contains("JOB_COMPLETION_INDEX=2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shard count", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, 2, Env(("JOB_COMPLETION_INDEX", "2"))));
        Assert.Contains("out of range", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_shard_source_means_no_sharding()
    {
        Assert.Null(ShardSpec.FromEnvironment(null, null, Env()));
        Assert.Null(ShardSpec.FromEnvironment(null, null, Env(("SLURM_ARRAY_TASK_ID", ""), ("JOB_COMPLETION_INDEX", " "))));
        var ex = Assert.Throws<FormatException>(() => ShardSpec.FromEnvironment(null, 4, Env()));
        Assert.Contains("no shard index", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shards_partition_every_item_list_exactly()
    {
        for (int n = 1; n <= 7; n++)
        {
            var shards = Enumerable.Range(0, n).Select(k => new ShardSpec(k, n)).ToArray();
            for (int m = 0; m <= 40; m++)
            {
                var owners = Enumerable.Range(0, m).Select(i => shards.Where(s => s.Owns(i)).ToList()).ToList();
                Assert.All(owners, o => Assert.Single(o));
                // balanced: shard sizes differ by at most one
                var sizes = shards.Select(s => Enumerable.Range(0, m).Count(s.Owns)).ToArray();
                Assert.True(sizes.Max() - sizes.Min() <= 1);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardSpec(0, 2).Owns(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardSpec(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardSpec(0, 0));
    }
}
