using Kraft.Build;
using Kraft.Machines;
using Kraft.Oci.Registry;
using Kraft.Project;
using Kraft.Rootfs;

namespace Kraft.Oci;

/// <summary>Where images are pulled from: registry settings and credentials (the user's configuration and environment), and where they are unpacked.</summary>
public sealed record ImageSource(RegistrySettings Settings, CredentialResolver Credentials, string? UnpackRoot = null)
{
    /// <summary>As kraft run REF and kraft pkg pull: KraftKit-style auth from the user's config, KRAFT_OCI_INSECURE=1 for plain HTTP.</summary>
    public static ImageSource FromUserConfig(Action<string>? warn = null)
    {
        var config = Packages.Config.UserConfigLoader.Load();
        var credentials = new CredentialResolver(config.Auth.ToDictionary(kv => kv.Key, kv => (kv.Value.User, kv.Value.Token)), warn: warn);
        var insecure = Environment.GetEnvironmentVariable("KRAFT_OCI_INSECURE") is "1" or "true";
        return new ImageSource(RegistrySettings.FromEnvironment(insecure), credentials);
    }

    public ResolvedPackage Resolve(ImageRef reference, string platform, string architecture, CancellationToken cancel = default) =>
        PackageRunner.Resolve(reference, platform, architecture, Settings, Credentials, UnpackRoot, cancel);
}

/// <summary>What a runtime project boots: the runtime's kernel (and its image, unless kernel://), the initrd, cmd and env.</summary>
public sealed record RuntimeBoot(RuntimePlan Plan, string Platform, string Architecture, string KernelPath, ResolvedPackage? Image,
    RootfsResult? Rootfs, string? InitrdPath, IReadOnlyList<string> Cmd, IReadOnlyList<KeyValuePair<string, string>> Env, IReadOnlyList<string> Volumes);

/// <summary>
/// A runtime Kraftfile (<c>runtime:</c> with <c>rootfs:</c> and <c>cmd:</c>, nothing to build from
/// source): <c>kraft build</c> pulls the runtime (so a wrong name or tag fails at once) and builds
/// the rootfs; <c>kraft run</c> boots the runtime's kernel with that rootfs as its initrd and the
/// project's cmd; <c>kraft pkg</c> packages the runtime's kernel layer, as it is, with the new
/// initrd, one manifest per platform of the runtime. The runtime's kconfig (os.features) goes with
/// its kernel, so the initrd is mounted as / when the runtime automounts (CONFIG_LIBVFSCORE_AUTOMOUNT_UP).
/// </summary>
public static class RuntimeProject
{
    /// <summary>The plan when <paramref name="project"/> is a runtime project (a runtime, no unikraft: and no template to build), else null.</summary>
    public static RuntimePlan? PlanFor(KraftProject project) =>
        project.Runtime is not null && project.Unikraft is null && project.Template is null ? RuntimePlan.For(project) : null;

    /// <summary>
    /// The platform and architecture to use: the Kraftfile's targets narrowed by -t/--plat/-m when it
    /// has targets, else --plat (default qemu) and -m (default this machine's architecture).
    /// </summary>
    public static (string Platform, string Architecture) Choose(KraftProject project, string? target, string? plat, string? arch)
    {
        if (project.Targets.Count > 0)
        {
            var t = RunPlanner.PickTarget(project, TargetSelector.Select(project, target, plat, arch));
            return (t.Platform, t.Architecture);
        }
        if (target is not null)
        {
            var slash = target.IndexOf('/');
            if (slash <= 0)
                throw new KraftException($"-t {target}: the Kraftfile declares no targets, so give the platform and architecture",
                    new SourceLocation(project.KraftfilePath), "e.g. -t qemu/x86_64 (or --plat qemu -m x86_64)");
            plat ??= target[..slash];
            arch ??= target[(slash + 1)..];
        }
        var platform = Platforms.Parse(plat ?? "qemu").Name();
        var architecture = arch is not null ? GuestArchNames.Parse(arch).Name() : (GuestArchNames.Host ?? GuestArch.X86_64).Name();
        return (platform, architecture);
    }

    /// <summary>The runtime's kernel for one platform: pulled and unpacked (an image), or the kernel:// file.</summary>
    public static (string Kernel, ResolvedPackage? Image) Kernel(RuntimePlan plan, SourceLocation? at, string platform, string architecture,
        ImageSource images, CancellationToken cancel = default)
    {
        if (plan.Runtime is not { } reference)
        {
            var kernel = plan.RuntimeKernel!;
            if (!File.Exists(kernel))
                throw new KraftException($"runtime kernel {kernel} does not exist", at, "build it first, or point kernel:// at a kernel image");
            return (kernel, null);
        }
        try
        {
            var image = images.Resolve(reference, platform, architecture, cancel);
            return (image.KernelPath, image);
        }
        catch (KraftException e) when (e.Location is null)
        {
            // Say which line of the Kraftfile asked for it (tag absent: the tags there; platform absent: the platforms there).
            throw new KraftException($"runtime {e.Message}", at, e.Hint, e.ExitCode, e);
        }
    }

    /// <summary><c>kraft build</c> of a runtime project: the runtime (pulled when absent) and the rootfs in .unikraft/build/initramfs-&lt;arch&gt;.cpio.</summary>
    public static RuntimeBoot Build(KraftProject project, RuntimePlan plan, string? target, string? plat, string? arch, string? rootfsOverride,
        ImageSource images, IReporter reporter, CancellationToken cancel = default)
    {
        var (platform, architecture) = Choose(project, target, plat, arch);
        var (kernel, image) = Kernel(plan, project.Runtime?.Location, platform, architecture, images, cancel);
        var fs = ProjectRootfs.Build(project, architecture, rootfsOverride, reporter, cancel);
        var cmd = project.Cmd.Count > 0 ? project.Cmd : image?.Cmd ?? [];
        return new RuntimeBoot(plan, platform, architecture, kernel, image, fs, fs?.CpioPath ?? image?.InitrdPath, cmd,
            MergeEnv(image?.Env ?? [], project.Env), VolumeFlags(project));
    }

    /// <summary>
    /// <c>kraft run</c> of a runtime project: as <see cref="Build"/> (the rootfs is rebuilt only when
    /// it changed), then --initrd, when given, replaces the initrd.
    /// </summary>
    public static RuntimeBoot ForRun(KraftProject project, RuntimePlan plan, string? target, string? plat, string? arch, string? rootfsOverride,
        string? initrdOverride, ImageSource images, IReporter reporter, CancellationToken cancel = default)
    {
        if (!string.IsNullOrEmpty(rootfsOverride) && !string.IsNullOrEmpty(initrdOverride))
            throw new KraftException("--rootfs and --initrd both give the initial ramdisk", hint: "give one of them");
        var boot = Build(project, plan, target, plat, arch, string.IsNullOrEmpty(initrdOverride) ? rootfsOverride : null, images, reporter, cancel);
        return string.IsNullOrEmpty(initrdOverride) ? boot : boot with { InitrdPath = Path.GetFullPath(initrdOverride) };
    }

    /// <summary>
    /// <c>kraft pkg</c> of a runtime project: one target per platform asked for (-t/--plat/-m, else the
    /// Kraftfile's targets, else every platform the runtime has), each the runtime's kernel layer and
    /// kconfig; the project's rootfs (or --rootfs) as the initrd; the project's cmd and env over the runtime's.
    /// </summary>
    public static PackageRequest ForPackage(KraftProject project, RuntimePlan plan, IReadOnlyList<string> targets, string? plat, string? arch,
        PackageOptions options, ImageSource images, IReporter reporter, CancellationToken cancel = default)
    {
        var at = project.Runtime?.Location;
        var wanted = new List<(string Platform, string Architecture)>();
        if (targets.Count > 0)
            foreach (var t in targets) wanted.Add(Choose(project, t, plat, arch));
        else if (plat is not null || arch is not null || project.Targets.Count > 0 || plan.Runtime is null)
        {
            if (project.Targets.Count > 0)
                wanted.AddRange(TargetSelector.Select(project, null, plat, arch).Select(t => (t.Platform, t.Architecture)));
            else wanted.Add(Choose(project, null, plat, arch));
        }
        else wanted.AddRange(RuntimePlatforms(plan.Runtime, at, images, cancel));

        var list = new List<PackageTarget>();
        ResolvedPackage? first = null;
        foreach (var (platform, architecture) in wanted.Distinct())
        {
            var (kernel, image) = Kernel(plan, at, platform, architecture, images, cancel);
            first ??= image;
            var kconfig = options.NoKconfig || image?.Features is null ? null
                : image.Features.Where(f => f.IndexOf('=') > 0).Select(f => (K: f[..f.IndexOf('=')], V: f[(f.IndexOf('=') + 1)..]))
                    .GroupBy(kv => kv.K).ToDictionary(g => g.Key, g => g.Last().V, StringComparer.Ordinal);
            list.Add(new PackageTarget(platform, architecture, kernel, null, kconfig, image?.KernelLayer, image?.KernelLayerBlob));
        }
        // One initrd for every platform: the rootfs is the same files whatever the architecture.
        var fs = ProjectRootfs.Build(project, wanted[0].Architecture, options.Rootfs, reporter, cancel);
        var cmd = project.Cmd.Count > 0 ? project.Cmd : first?.Cmd ?? [];
        var env = MergeEnv(first?.Env ?? [], project.Env).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        return ProjectPackager.ForRuntime(project, list, cmd, env, fs?.CpioPath ?? first?.InitrdPath, options);
    }

    /// <summary>Every platform of a runtime image (pulling all of them when some are not here yet).</summary>
    static IReadOnlyList<(string, string)> RuntimePlatforms(ImageRef reference, SourceLocation? at, ImageSource images, CancellationToken cancel)
    {
        try
        {
            var entry = ImageCatalog.Default().Find(reference);
            if (entry?.Image is not { } image || image.Platforms.Any(p => !p.Present))
                image = PackageRunner.Pull(reference, new PlatformFilter(null, null, true), images.Settings, images.Credentials, cancel).Image
                    ?? throw new KraftException($"{reference} cannot be read from the store", hint: $"remove it with kraft pkg rm {reference} and pull it again");
            var found = image.Platforms.Where(p => p.Present && p.Layer(WellKnownPaths.Kernel) is not null && p.Platform.Os is { } && p.Platform.Architecture is { })
                .Select(p => (p.Platform.Os!, p.Platform.Architecture!)).Distinct().ToList();
            if (found.Count == 0)
                throw new KraftException($"{reference} has no unikernel platform (platforms: {string.Join(", ", image.Platforms.Select(p => p.Platform.ToString()))})",
                    hint: "a runtime is a unikernel image, e.g. unikraft.org/base");
            return found;
        }
        catch (KraftException e) when (e.Location is null)
        {
            throw new KraftException($"runtime {e.Message}", at, e.Hint, e.ExitCode, e);
        }
    }

    /// <summary>The image's env with the project's entries replacing those of the same name, in order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> MergeEnv(IReadOnlyList<KeyValuePair<string, string>> image, IReadOnlyList<KeyValuePair<string, string>> project)
    {
        var list = image.Where(kv => !project.Any(p => p.Key == kv.Key)).ToList();
        list.AddRange(project);
        return list;
    }

    /// <summary>The Kraftfile's volumes as -v flags (relative host paths made absolute against the project; named volumes as they are).</summary>
    static IReadOnlyList<string> VolumeFlags(KraftProject project)
    {
        var flags = new List<string>();
        foreach (var v in project.Volumes)
        {
            if (v.Driver is not (null or "" or "9pfs"))
                throw new KraftException($"volume {v.Source}:{v.Destination} uses the driver '{v.Driver}', which kraft cannot attach",
                    new SourceLocation(project.KraftfilePath), "use driver: 9pfs (or leave it out)");
            var source = v.Source.Contains('/') || v.Source.StartsWith('.') ? Path.GetFullPath(Path.Combine(project.Directory, v.Source)) : v.Source;
            flags.Add($"{source}:{v.Destination}{(v.ReadOnly ? ":ro" : "")}");
        }
        return flags;
    }
}
