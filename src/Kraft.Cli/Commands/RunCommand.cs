using System.CommandLine;
using Kraft.Cli.Rendering;
using Kraft.Machines;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft run</c>: boot a built target, or any kernel file, as a machine: in the foreground
/// (console here, exit code from the guest) or detached (-d: prints the name, runs on).
/// </summary>
public static class RunCommand
{
    /// <summary>Arguments after the first bare "--": they belong to the guest, not to kraft.</summary>
    public static IReadOnlyList<string>? AppArgs { get; set; }

    /// <summary>Gives back the taps and addresses taken for a machine that was never recorded.</summary>
    static Action? ReleaseOnFailure;

    public static Command Create()
    {
        var selection = new ProjectTargetOptions("dir|kernel", "A project directory (default: the current one) or a kernel image", platShortAlias: false);
        var machineOptions = new MachineOptions();
        var memory = new Option<string?>("--memory", "-M") { Description = "Guest memory (64M, 64Mi, 1G...; default 64Mi)" };
        var smp = new Option<int?>("--smp") { Description = "Number of virtual CPUs (default 1)" };
        var kernelArgs = new Option<string[]>("--kernel-arg", "-a")
        {
            Description = "A Unikraft library parameter, lib.param=value (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var initrd = new Option<string?>("--initrd") { Description = "An initial ramdisk (CPIO) to pass to the guest" };
        var noAccel = new Option<bool>("--disable-acceleration", "-W") { Description = "Use emulation even when KVM is available (same as --accel tcg)" };
        var accel = new Option<string?>("--accel") { Description = "kvm or tcg (default: KVM when it runs guests on this host, else emulation)" };
        accel.AcceptOnlyFromAmong("kvm", "tcg");
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would run (the VMM command line; fc: the API calls, xen: the xl.cfg) and stop" };
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background: print the machine's name once it runs" };
        var name = new Option<string?>("--name", "-n") { Description = "The machine's name (default: a random adjective_noun)" };
        var remove = new Option<bool>("--rm") { Description = "Remove the machine when it exits (foreground runs)" };
        var noStart = new Option<bool>("--no-start") { Description = "Only create the machine (kraft start starts it)" };
        var ports = new Option<string[]>("--port", "-p")
        {
            Description = "Publish a guest port: [hostIP:]hostPort:guestPort[/tcp|udp], ranges allowed (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var envs = new Option<string[]>("--env", "-e")
        {
            Description = "Set a guest environment variable, K=V (a bare K takes this shell's value; repeatable); a Linux program gets them as its environment",
            AllowMultipleArgumentsPerToken = false,
        };
        var guest = new GuestStorageOptions();
        var linux = new LinuxProgramOptions();
        var networks = new Option<string[]>("--network")
        {
            Description = "Attach to a kraft network: NAME[:ip[/mask][:gw[:dns0[:dns1[:hostname[:domain]]]]]] (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("run", "Boot a unikernel as a machine, in the foreground or detached (arguments after -- go to the application)")
        {
            memory, smp, kernelArgs, initrd, noAccel, accel, dryRun, detach, name, remove, noStart, ports, envs,
        };
        selection.AddTo(cmd);
        machineOptions.AddTo(cmd);
        guest.AddTo(cmd);
        cmd.Options.Add(networks);
        linux.AddTo(cmd);
        cmd.Aliases.Add("r");
        cmd.SetAction((r, cancel) =>
        {
            try
            {
                var request = new RunRequest
                {
                    What = r.GetValue(selection.Directory),
                    Platform = r.GetValue(selection.Plat),
                    Arch = r.GetValue(selection.Arch),
                    Memory = r.GetValue(memory),
                    Cpus = r.GetValue(smp),
                    KernelArgs = r.GetValue(kernelArgs) ?? [],
                    AppArgs = AppArgs,
                    Initrd = r.GetValue(initrd),
                    Accel = r.GetValue(noAccel) ? AccelRequest.Tcg : r.GetValue(accel) switch
                    {
                        "kvm" => AccelRequest.Kvm,
                        "tcg" => AccelRequest.Tcg,
                        _ => AccelRequest.Auto,
                    },
                    Ports = r.GetValue(ports) ?? [],
                    Rootfs = r.GetValue(guest.Rootfs),
                    Volumes = r.GetValue(guest.Volumes) ?? [],
                    Networks = r.GetValue(networks) ?? [],
                    RuntimeDir = r.GetValue(machineOptions.RuntimeDir),
                    EnvAssignments = r.GetValue(envs) ?? [],
                    Reporter = StderrReporter.Instance,
                };
                // kraft run REF: the image's kernel, initrd, cmd and env (the command line overrides).
                var image = RunImageSupport.IsImage(request.What)
                    ? RunImageSupport.Resolve(request.What!, request.Platform, request.Arch, cancel) : null;
                if (image is not null)
                    request = request with
                    {
                        What = image.KernelPath,
                        Initrd = request.Initrd ?? image.InitrdPath,
                        Platform = image.Platform,
                        Arch = image.Architecture,
                        ImageCmd = image.Cmd,
                        ImageEnv = image.Env,
                        PrebuiltFrom = $"the image {image.Reference}",
                    };
                // A runtime Kraftfile: the runtime's kernel with the project's rootfs as initrd and its cmd (Oci/RuntimeProject).
                var project = image is null ? RunImageSupport.LoadProject(r, selection, request.What) : null;
                var runtime = project is null ? null : RunImageSupport.Runtime(r, selection, project, request, cancel);
                if (runtime is not null)
                    request = request with
                    {
                        What = runtime.KernelPath, Initrd = runtime.InitrdPath, Rootfs = null,
                        Platform = runtime.Platform, Arch = runtime.Architecture, ImageCmd = runtime.Cmd,
                        Volumes = [.. runtime.Volumes, .. request.Volumes], ImageEnv = runtime.Env,
                        PrebuiltFrom = runtime.Image is { } pulled ? $"the runtime {pulled.Reference}" : $"the runtime kernel {runtime.KernelPath}",
                        Source = $"{project!.Directory} ({runtime.Image?.Reference.ToString() ?? "kernel"} {runtime.Platform}/{runtime.Architecture})",
                    };
                // A Linux program's run: its exit status is the loader's report, when there is one.
                var linuxRun = false;
                if (image is null && request.What is { } what && File.Exists(what) && Apps.LinuxBinaryRunner.IsLinuxProgram(what))
                {
                    // A Linux program: run by the ELF loader, the program (and --rootfs) in the initrd (Apps/LinuxBinaryRunner).
                    using var planReporter = new ConsoleReporter();
                    var program = linux.Plan(r, what, request.Rootfs, AppArgs ?? [], planReporter, cancel);
                    linuxRun = true;
                    request = request with
                    {
                        What = program.Kernel,
                        Initrd = program.Initrd,
                        Rootfs = null,
                        AppArgs = program.AppArgs,
                        Memory = request.Memory ?? "512M",
                    };
                }
                var spec = RunPlanner.Plan(request, () => project is not null ? selection.Select(r, project) : selection.Select(r));
                if (spec.Networks.Count > 0)
                {
                    var nets = new Kraft.Networks.NetworkStore(MachineStore.DefaultRoot(request.RuntimeDir));
                    var owner = r.GetValue(name) ?? Guid.NewGuid().ToString("N");
                    var attached = new List<NetworkAttachment>();
                    try
                    {
                        foreach (var n in spec.Networks) attached.Add(nets.Attach(n, owner, dryRun: r.GetValue(dryRun)));
                    }
                    catch
                    {
                        if (!r.GetValue(dryRun)) nets.Release(attached);
                        throw;
                    }
                    spec = spec with { Networks = attached };
                    if (!r.GetValue(dryRun)) ReleaseOnFailure = () => nets.Release(attached);
                }
                return Task.FromResult(Run(r, machineOptions, spec, r.GetValue(name), r.GetValue(detach), r.GetValue(remove),
                    r.GetValue(noStart), r.GetValue(dryRun), cancel, linuxProgram: linuxRun));
            }
            catch (Exception e)
            {
                return Task.FromResult(Program.Failure(e));
            }
        });
        return cmd;
    }

    static int Run(ParseResult r, MachineOptions options, MachineSpec spec, string? name, bool detach, bool remove,
        bool noStart, bool dryRun, CancellationToken cancel, bool linuxProgram = false)
    {
        var store = options.Store(r);
        if (dryRun)
        {
            if (spec.Platform != Platform.Qemu)
            {
                // Firecracker, Xen: their VMM command line and what they would be sent or given (for a machine that is not recorded).
                Console.Out.WriteLine(new MachineController(store, StderrReporter.Instance).DryRun(spec, name));
                return 0;
            }
            // The accelerator as a run would choose it (including this host's remembered KVM verdict).
            using var dryReporter = new ConsoleReporter();
            var accel = new QemuDriver(store).ChooseAccel(spec, dryReporter);
            Console.Out.WriteLine(QemuRunner.Prepare(spec, accel, null).CommandLine);
            return 0;
        }
        if (detach && remove)
            throw new KraftException("--rm applies to foreground runs", hint: "remove a detached machine with kraft rm NAME once it has exited");
        if (detach || noStart)
        {
            var controller = new MachineController(store, StderrReporter.Instance);
            Machine machine;
            try { machine = controller.Create(spec, name); }
            catch { ReleaseOnFailure?.Invoke(); throw; }
            if (!noStart && WrittenOnly(controller, machine)) return 0;
            if (!noStart)
            {
                machine = controller.StartDetached(machine, MachineOptions.KraftBinary);
                if (machine.Status.State is MachineState.Exited or MachineState.Failed && machine.Status.ExitCode is not 0)
                {
                    Console.Out.WriteLine(machine.Name);
                    throw new KraftException($"machine '{machine.Name}' {machine.Status.Describe()}: {machine.Status.Message ?? "it ended at once"}",
                        hint: machine.Status.Hint ?? $"see its console: kraft logs {machine.Name}");
                }
                if (machine.Status.AccelNote is { } note) StderrReporter.Instance.Info(note);
            }
            Console.Out.WriteLine(machine.Name);
            return 0;
        }

        using var reporter = new ConsoleReporter();
        var fg = new MachineController(store, reporter);
        Machine m;
        try { m = fg.Create(spec, name, foreground: true); }
        catch { ReleaseOnFailure?.Invoke(); throw; }
        if (WrittenOnly(fg, m)) return 0;
        RunResult result;
        try
        {
            result = fg.Supervise(m, Console.OpenStandardOutput(), cancel);
            // A Linux program's exit status, as the ELF loader reported it before halting (Apps/LoaderExitStatus).
            if (linuxProgram && result.Kind == RunExitKind.Halted && Apps.LoaderExitStatus.FromLog(m.Files.ConsoleLog) is { } status)
                result = result with { ExitCode = status };
        }
        finally
        {
            if (remove) fg.Remove(m, force: true);
        }
        if (result.ToException() is { } error)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {error.Describe()}");
        }
        return result.ExitCode;
    }

    /// <summary>A machine this host cannot start (Xen without a dom0): print the file it is and why; it stays created.</summary>
    static bool WrittenOnly(MachineController controller, Machine machine)
    {
        if (controller.DriverFor(machine.Spec.Platform).CannotStartHere(machine) is not { } written) return false;
        Console.Out.WriteLine(written.File);
        Console.Error.WriteLine(written.Why);
        return true;
    }
}
