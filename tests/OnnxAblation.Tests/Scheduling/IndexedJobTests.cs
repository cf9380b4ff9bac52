using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using OnnxAblation.Tests.Support;
using Xunit.Abstractions;

namespace OnnxAblation.Tests.Scheduling;

/// <summary>
/// README.md's Kubernetes Indexed Job, checked offline: read strictly (an unknown field fails) into the Kubernetes
/// client's batch/v1 Job model, its sharding consistent with onnx-ablate's, and the image it names built from the
/// repository's Dockerfile where a Docker engine runs and can pull the base images (skipped with the reason elsewhere).
/// </summary>
public sealed class IndexedJobTests(ITestOutputHelper output)
{
    /// <summary>The tag the Dockerfile's header says to build, and the manifest must name.</summary>
    private const string Image = "your-registry/onnx-ablate:latest";

    private static V1Job ReadmeJob()
    {
        var objects = KubernetesYaml.LoadAllFromString(ReadmeScaleOut.IndexedJob, strict: true);
        var job = Assert.IsType<V1Job>(Assert.Single(objects));
        return job;
    }

    [Fact]
    public void Readme_manifest_is_a_valid_batch_v1_indexed_job()
    {
        var job = ReadmeJob();
        Assert.Equal("batch/v1", job.ApiVersion);
        Assert.Equal("Job", job.Kind);
        Assert.False(string.IsNullOrEmpty(job.Metadata?.Name));
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", job.Metadata!.Name); // a DNS-1123 label
        var spec = job.Spec;
        Assert.Equal("Indexed", spec.CompletionMode);
        Assert.NotNull(spec.Completions);
        Assert.Equal(spec.Completions, spec.Parallelism);
        Assert.Contains(spec.Template.Spec.RestartPolicy, new[] { "Never", "OnFailure" }); // what a Job's pods may use

        var container = Assert.Single(spec.Template.Spec.Containers);
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", container.Name); // required, a DNS-1123 label
        Assert.Equal(Image, container.Image);
        Assert.Equal(new[] { "sh", "-c" }, container.Command.Take(2));
        string command = Assert.Single(container.Command.Skip(2));
        // Each pod runs one shard: k from JOB_COMPLETION_INDEX, N from --shard-count, which must equal completions.
        Assert.StartsWith("onnx-ablate study ", command, StringComparison.Ordinal);
        Assert.Equal(spec.Completions.ToString(), Regex.Match(command, @"--shard-count (\d+)").Groups[1].Value);
        Assert.Contains("$JOB_COMPLETION_INDEX", command, StringComparison.Ordinal);
        Assert.Matches(@"--store \S*\$JOB_COMPLETION_INDEX\S*\.db", command); // one store per pod

        // Every mount names a declared volume, every path the command reads or writes is under a mount.
        var volumes = spec.Template.Spec.Volumes.ToDictionary(v => v.Name);
        foreach (var m in container.VolumeMounts)
        {
            Assert.True(volumes.ContainsKey(m.Name), $"volumeMount '{m.Name}' has no volume");
            Assert.False(string.IsNullOrEmpty(volumes[m.Name].PersistentVolumeClaim?.ClaimName), $"volume '{m.Name}' has no claim");
        }
        var mounts = container.VolumeMounts.Select(m => m.MountPath.TrimEnd('/') + "/").ToList();
        foreach (Match path in Regex.Matches(command, @"(?<=[\s:])/[^\s]+"))
            Assert.True(mounts.Any(m => path.Value.StartsWith(m, StringComparison.Ordinal)), $"{path.Value} is on no volume");
    }

    [Fact]
    public void Strict_reading_rejects_a_misspelt_field()
    {
        string yaml = ReadmeScaleOut.IndexedJob.Replace("completionMode:", "completionMod:", StringComparison.Ordinal);
        Assert.NotEqual(ReadmeScaleOut.IndexedJob, yaml);
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
        Assert.Null(Assert.IsType<V1Job>(Assert.Single(KubernetesYaml.LoadAllFromString(yaml))).Spec.CompletionMode);
    }

    [SkippableFact]
    public void Dockerfile_builds_the_image_the_manifest_names()
    {
        Assert.Equal(Image, Assert.Single(ReadmeJob().Spec.Template.Spec.Containers).Image);
        string dockerfile = File.ReadAllText(Path.Combine(TestPaths.Root, "Dockerfile"));
        Assert.Contains($"docker build -t {Image} .", dockerfile, StringComparison.Ordinal);

        string script = Path.Combine(TestPaths.Root, "tools", "docker-local.sh");
        var (code, host, err) = Shell.Run(TestPaths.Root, null, TimeSpan.FromMinutes(2), "bash", script, "up");
        if (code != 0) SkipTest.Because($"no Docker engine on this machine: {err.Trim()}");
        try
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOCKER_HOST"] = host.Trim() };
            // The base images first: where they cannot be pulled (no registry reachable), nothing can be built.
            foreach (Match from in Regex.Matches(dockerfile, @"^ARG \w+_IMAGE=(\S+)$", RegexOptions.Multiline))
            {
                string baseImage = from.Groups[1].Value;
                if (Shell.Run(TestPaths.Root, env, TimeSpan.FromMinutes(1), "docker", "image", "inspect", baseImage).Code == 0) continue;
                var pull = Shell.Run(TestPaths.Root, env, TimeSpan.FromMinutes(10), "docker", "pull", baseImage);
                if (pull.Code != 0) SkipTest.Because($"docker build cannot pull the base image {baseImage} on this machine: {pull.Err.Trim()}");
            }
            var build = Shell.Run(TestPaths.Root, env, TimeSpan.FromMinutes(15), "docker", "build", "--network=host", "-t", Image, ".");
            Assert.True(build.Code == 0, $"docker build failed:\n{build.Out}\n{build.Err}");
            var run = Shell.Run(TestPaths.Root, env, TimeSpan.FromMinutes(2), "docker", "run", "--rm", "--network=none", Image, "sh", "-c", "onnx-ablate study --help");
            Assert.True(run.Code == 0, run.Err);
            Assert.Contains("--shard-count", run.Out, StringComparison.Ordinal);
            output.WriteLine($"built {Image}");
        }
        finally
        {
            Shell.Run(TestPaths.Root, null, TimeSpan.FromMinutes(1), "bash", script, "down");
        }
    }
}
