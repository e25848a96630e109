using Kraft.Machines;
using Kraft.Oci;
using Kraft.Oci.Registry;
using Kraft.Packages.Config;

namespace Kraft.Cli;

/// <summary>
/// The <c>kraft run REF</c> branch of kraft run, kept apart from RunCommand: an argument that
/// is not an existing path and parses as an image reference is resolved (pulled when absent)
/// through <see cref="PackageRunner"/>.
/// </summary>
public static class RunImageSupport
{
    public static bool IsImage(string? what) =>
        what is not null && !File.Exists(what) && !Directory.Exists(what) && ImageRef.LooksLikeReference(what);

    public static ResolvedPackage Resolve(string what, string? plat, string? arch, CancellationToken cancel)
    {
        var config = UserConfigLoader.Load();
        var credentials = new CredentialResolver(config.Auth.ToDictionary(kv => kv.Key, kv => (kv.Value.User, kv.Value.Token)),
            warn: m => Console.Error.WriteLine("warning: " + m));
        var platform = Platforms.Parse(plat ?? "qemu").Name();
        var architecture = (arch is not null ? GuestArchNames.Parse(arch) : GuestArchNames.Host ?? GuestArch.X86_64).Name();
        var insecure = Environment.GetEnvironmentVariable("KRAFT_OCI_INSECURE") is "1" or "true";
        return PackageRunner.Resolve(ImageRef.Parse(what), platform, architecture, RegistrySettings.FromEnvironment(insecure), credentials, cancel: cancel);
    }

    /// <summary>The project kraft run boots when it is given a directory (or nothing): loaded once, here.</summary>
    public static Kraft.Project.KraftProject? LoadProject(System.CommandLine.ParseResult r, ProjectTargetOptions selection, string? what) =>
        what is null || Directory.Exists(what) ? selection.Load(r, what) : null;

    /// <summary>A runtime project's kernel, initrd, cmd and env; null for any other project.</summary>
    public static RuntimeBoot? Runtime(System.CommandLine.ParseResult r, ProjectTargetOptions selection, Kraft.Project.KraftProject project,
        RunRequest request, CancellationToken cancel) =>
        RuntimeProject.PlanFor(project) is { } plan
            ? RuntimeProject.ForRun(project, plan, r.GetValue(selection.Target), request.Platform, request.Arch, request.Rootfs, request.Initrd,
                ImageSource.FromUserConfig(m => Console.Error.WriteLine("warning: " + m)), request.Reporter, cancel)
            : null;
}
