using Kraft.Project;

namespace Kraft.Machines;

/// <summary>What `kraft run` was asked, before anything is resolved.</summary>
public sealed record RunRequest
{
    /// <summary>A kernel file, a project directory, or null (the current directory's project).</summary>
    public string? What { get; init; }
    public string? Platform { get; init; }
    public string? Arch { get; init; }
    public string? Memory { get; init; }
    public int? Cpus { get; init; }
    public IReadOnlyList<string> KernelArgs { get; init; } = [];
    /// <summary>Arguments after "--"; null when none were given (then the Kraftfile's cmd applies).</summary>
    public IReadOnlyList<string>? AppArgs { get; init; }
    public string? Initrd { get; init; }
    public AccelRequest Accel { get; init; } = AccelRequest.Auto;
    public IReadOnlyList<string> Ports { get; init; } = [];
    /// <summary>--rootfs: a directory, cpio or Dockerfile (default: the Kraftfile's rootfs).</summary>
    public string? Rootfs { get; init; }
    /// <summary>-v HOST:GUEST[:ro] flags, as given.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];
    /// <summary>--network flags, as given.</summary>
    public IReadOnlyList<string> Networks { get; init; } = [];
    /// <summary>The runtime directory (--runtime-dir), where named volumes live; null: the default.</summary>
    public string? RuntimeDir { get; init; }
    /// <summary>The cmd of the image or runtime <see cref="What"/>'s kernel came from: used when <see cref="AppArgs"/> is null, split on "--" as a Kraftfile's cmd.</summary>
    public IReadOnlyList<string> ImageCmd { get; init; } = [];
    /// <summary>The environment of the image or runtime <see cref="What"/>'s kernel came from (a kernel file has none of its own).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ImageEnv { get; init; } = [];
    /// <summary>-e K=V / -e K flags, applied last, in order (<see cref="GuestEnv.Apply"/>).</summary>
    public IReadOnlyList<string> EnvAssignments { get; init; } = [];
    /// <summary>What the machine's record names as its source; null: the kernel file or the project and target.</summary>
    public string? Source { get; init; }
    /// <summary>
    /// Where <see cref="What"/>'s kernel came from when it is prebuilt ("the runtime REF", "the image
    /// REF"): error hints then never say to rebuild it. Null: the user's own build or kernel file.
    /// </summary>
    public string? PrebuiltFrom { get; init; }
    /// <summary>Told about rootfs builds.</summary>
    public IReporter Reporter { get; init; } = NullReporter.Instance;
}

/// <summary>Turns a <see cref="RunRequest"/> into a <see cref="MachineSpec"/>: which kernel a project means, its cmd, the platform check.</summary>
public static class RunPlanner
{
    /// <param name="select">Loads the project and the targets -t/--plat/-m select (called only when <see cref="RunRequest.What"/> is not a file).</param>
    public static MachineSpec Plan(RunRequest request, Func<(KraftProject Project, IReadOnlyList<Target> Targets)> select)
    {
        var kernelArgs = request.KernelArgs;
        IReadOnlyList<string> appArgs = request.AppArgs ?? [];
        IEnumerable<KeyValuePair<string, string>> env = [];
        var plat = request.Platform;
        var arch = request.Arch;
        string kernel, source;
        string? workDir = null, configPath = null;
        KraftProject? project = null;
        if (request.What is { } what && File.Exists(what))
        {
            kernel = what;
            source = Path.GetFullPath(what);
            env = request.ImageEnv;
            if (request.AppArgs is null && request.ImageCmd.Count > 0)
            {
                var (k, a) = SplitCmd(request.ImageCmd);
                appArgs = a;
                if (kernelArgs.Count == 0) kernelArgs = k;
            }
        }
        else
        {
            (project, var candidates) = select();
            var chosen = PickTarget(project, candidates);
            kernel = Path.Combine(project.OutDir, chosen.KernelName);
            if (!File.Exists(kernel))
                throw new KraftException($"{chosen.Name} ({chosen.PlatArch}) is not built yet: {kernel} does not exist",
                    hint: $"build it with: kraft build -t {chosen.PlatArch}");
            arch ??= chosen.Architecture;
            plat ??= chosen.Platform;
            if (request.AppArgs is null && project.Cmd.Count > 0)
            {
                var (k, a) = SplitCmd(project.Cmd);
                appArgs = a;
                if (kernelArgs.Count == 0) kernelArgs = k;
            }
            env = project.Env;
            workDir = project.Directory;
            configPath = Path.Combine(project.Directory, ".config." + chosen.KernelName);
            source = $"{project.Directory} ({chosen.PlatArch})";
        }
        if (request.EnvAssignments.Count > 0) env = GuestEnv.Apply(env, request.EnvAssignments);
        var spec = MachineSpec.Create(kernel, arch, plat, request.Memory, request.Cpus, kernelArgs, appArgs, request.Initrd, false, env, request.Accel);
        var storage = Guest.GuestStorage.Resolve(spec.KernelPath, spec.Arch.Name(), project, request.Rootfs, spec.InitrdPath,
            request.Volumes, new Guest.VolumeStore(MachineStore.DefaultRoot(request.RuntimeDir)), request.Reporter,
            prebuiltFrom: request.PrebuiltFrom);
        return spec with
        {
            InitrdPath = storage.InitrdPath,
            Volumes = storage.Volumes,
            Networks = request.Networks.Select(Kraft.Networks.NetworkFlag.Parse).ToList(),
            Rootfs = request.Rootfs ?? project?.Rootfs,
            Ports = PortMapping.ParseAll(request.Ports),
            Source = request.Source ?? source,
            WorkDir = workDir,
            KernelConfigPath = configPath is not null && File.Exists(configPath) ? configPath : null,
        };
    }

    /// <summary>In a Kraftfile's cmd, a "--" separates library parameters from the application's arguments.</summary>
    public static (IReadOnlyList<string> KernelArgs, IReadOnlyList<string> AppArgs) SplitCmd(IReadOnlyList<string> cmd)
    {
        var sep = cmd.ToList().IndexOf("--");
        return sep < 0 ? ([], cmd) : (cmd.Take(sep).ToList(), cmd.Skip(sep + 1).ToList());
    }

    /// <summary>
    /// Several targets may match: prefer built ones, then this machine's architecture (no
    /// emulation), then QEMU, as KraftKit picks the host's qemu target.
    /// </summary>
    public static Target PickTarget(KraftProject project, IReadOnlyList<Target> candidates)
    {
        var host = GuestArchNames.Host?.Name();
        return candidates
            .OrderByDescending(t => File.Exists(Path.Combine(project.OutDir, t.KernelName)))
            .ThenByDescending(t => t.Architecture == host)
            .ThenByDescending(t => t.Platform == Machines.Platform.Qemu.Name())
            .First();
    }
}
