using Kraft.Host;

namespace Kraft.Rootfs;

/// <summary>
/// Builds a Dockerfile with Debian's buildah (or podman) and exports the resulting filesystem to
/// a directory. The builds use kraft's own container storage (under the rootfs cache), never the
/// user's, and no network: `FROM scratch` and images already in that storage work.
/// </summary>
public static class ContainerBuild
{
    /// <summary>The tool to use, preferring buildah; null when neither is installed.</summary>
    public static string? FindTool() => ToolLocator.Find("buildah") ?? ToolLocator.Find("podman");

    /// <summary>The argv (after the program) for building <paramref name="dockerfile"/> into <paramref name="outputDir"/>.</summary>
    public static IReadOnlyList<string> Arguments(string tool, string dockerfile, string outputDir, string storageDir, string? runtime)
    {
        var podman = Path.GetFileName(tool).StartsWith("podman", StringComparison.Ordinal);
        var a = new List<string>
        {
            "--root", Path.Combine(storageDir, "root"), "--runroot", Path.Combine(storageDir, "run"), "--storage-driver", "overlay",
            podman ? "build" : "bud", "--network", "none",
        };
        if (runtime is not null) a.AddRange(["--runtime", runtime]);
        a.AddRange(["--output", $"type=local,dest={outputDir}", "-f", dockerfile, Path.GetDirectoryName(dockerfile)!]);
        return a;
    }

    public static void Export(string dockerfile, string outputDir, string storageDir, IReporter reporter, CancellationToken cancel)
    {
        var tool = FindTool() ?? throw new KraftException(
            $"building the rootfs {dockerfile} needs buildah or podman, and neither is installed",
            hint: "install one: sudo apt-get install -y buildah   (or podman); or give a directory or a cpio archive as the rootfs");
        // crun (Debian's default for podman) fails here on hybrid cgroups; runc works everywhere.
        var runtime = ToolLocator.Find("runc") ?? (File.Exists("/usr/sbin/runc") ? "/usr/sbin/runc" : null);
        Directory.CreateDirectory(outputDir);
        Directory.CreateDirectory(storageDir);
        var args = Arguments(tool, dockerfile, outputDir, storageDir, runtime);
        reporter.Info($"building rootfs {dockerfile} with {Path.GetFileName(tool)}");
        var result = ProcessRunner.RunStreaming(tool, args, (line, err) => reporter.ToolOutput(line, err),
            Path.GetDirectoryName(dockerfile), cancel: cancel);
        cancel.ThrowIfCancellationRequested();
        if (!result.Succeeded)
        {
            var tail = string.Join('\n', result.CombinedOutput.Split('\n').TakeLast(15));
            throw new KraftException($"{Path.GetFileName(tool)} could not build {dockerfile} (exit {result.ExitCode}):\n{tail}",
                new SourceLocation(dockerfile),
                "only FROM scratch or images already in kraft's container storage work without a network; the build runs with --network none");
        }
        // The built image is unnamed; dropping unnamed images keeps kraft's storage from growing.
        var prune = ToolLocator.Find(tool) is { } t && Path.GetFileName(t).StartsWith("podman", StringComparison.Ordinal)
            ? new[] { "image", "prune", "-f" } : ["rmi", "--prune"];
        _ = ProcessRunner.Run(tool, args.Take(6).Concat(prune), cancel: cancel);
    }
}
