using Kraft.Host;

namespace Kraft.Machines;

/// <summary>
/// Machines on Xen: kraft writes the xl domain config (<see cref="XenConfig"/>) into the machine's
/// folder. On a Xen dom0 (`xl` on PATH, /proc/xen/capabilities says control_d) it boots it with
/// `xl create -c` and drives it with xl; anywhere else the record stays (state created) so the
/// config can be found, taken to a Xen host and removed with kraft rm.
/// </summary>
public sealed class XenDriver : IMachineDriver
{
    public const string ConfigFileName = "xl.cfg";
    const string Capabilities = "/proc/xen/capabilities";

    public Platform Platform => Platform.Xen;

    public static string ConfigPath(Machine machine) => machine.Files.File(ConfigFileName);

    /// <summary>This host is a Xen control domain with the xl tool stack: `xl create` can run here.</summary>
    public static bool IsDom0()
    {
        if (ToolLocator.Find("xl") is null) return false;
        try { return File.Exists(Capabilities) && File.ReadAllText(Capabilities).Contains("control_d", StringComparison.Ordinal); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public void Validate(MachineSpec spec)
    {
        if (spec.Ports.Count > 0)
            throw new KraftException("-p/--port needs QEMU's user-mode network; a Xen domain has none",
                hint: "attach it to a bridge with --network NAME instead");
        if (spec.Volumes.Any(v => v.Driver != VolumeMount.Initrd))
            throw new KraftException("volumes (-v) are shared over 9pfs by QEMU; kraft does not write them into an xl config",
                hint: "drop -v, or give the files as a root filesystem (--rootfs)");
        var config = BootChecks.ReadConfig(spec.KernelConfigPath ?? BootChecks.ConfigBeside(spec.KernelPath));
        if (BootChecks.PlatformOf(config, Path.GetFileName(spec.KernelPath)) is { } other && other != Platform.Xen)
            throw new KraftException($"{spec.KernelPath} was built for {other.Name()}, not for Xen",
                hint: $"build the xen target (kraft build --plat xen) or run it with --plat {other.Name()}");
    }

    public void Create(Machine machine, IReporter reporter) =>
        AtomicFile.WriteAllText(ConfigPath(machine), XenConfig.Render(machine.Spec, machine.Name));

    public NotStartable? CannotStartHere(Machine machine) =>
        IsDom0() ? null : new NotStartable(ConfigPath(machine), XenConfig.NeedsXenHost(ConfigPath(machine)));

    public Acceleration ChooseAccel(MachineSpec spec, IReporter reporter) => Acceleration.Kvm;

    public string CommandLine(Machine machine, StartOptions options) => $"xl create -c {ConfigPath(machine)}";

    /// <summary>The command line, then the xl config <see cref="Create"/> would write, each of its lines after "# ".</summary>
    public string DryRun(Machine machine, StartOptions options) =>
        CommandLine(machine, options) + $"\n# {ConfigPath(machine)}:\n"
        + string.Join('\n', XenConfig.Render(machine.Spec, machine.Name).TrimEnd('\n').Split('\n').Select(l => "# " + l));

    public IVmmProcess Start(Machine machine, StartOptions options, IReporter reporter)
    {
        if (CannotStartHere(machine) is { } not) throw new KraftException(not.Why, hint: $"the config is {not.File}");
        var launch = new ChildVmmLaunch("xl", ["create", "-c", ConfigPath(machine)], "xl", "install Xen's tool stack (xen-utils) on the dom0");
        return new ChildVmmProcess(launch, machine.Files, options.Console, options.Foreground, () => Xl(machine, "list") is not null);
    }

    /// <summary>`xl VERB NAME`; its stdout, or null when it failed.</summary>
    static string? Xl(Machine m, string verb)
    {
        try
        {
            var r = ProcessRunner.Run("xl", [verb, m.Name]);
            return r.ExitCode == 0 ? r.StandardOutput : null;
        }
        catch (KraftException) { return null; }
    }

    void Must(Machine m, string verb)
    {
        if (Xl(m, verb) is null)
            throw new KraftException($"xl {verb} {m.Name} failed", hint: $"see the domain with: xl list {m.Name}");
    }

    public void Pause(Machine machine) => Must(machine, "pause");

    public void Resume(Machine machine) => Must(machine, "unpause");

    public bool RequestShutdown(Machine machine) => IsDom0() && Xl(machine, "shutdown") is not null;

    public bool Quit(Machine machine) => IsDom0() && Xl(machine, "destroy") is not null;

    /// <summary>From `xl list NAME`: the State column (r, b, p, s, c, d flags).</summary>
    public MachineState? Status(Machine machine, TimeSpan timeout)
    {
        if (!IsDom0() || Xl(machine, "list") is not { } table) return null;
        var row = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var flags = row is { Length: >= 5 } ? row[4] : "";
        return flags.Contains('p') ? MachineState.Paused : flags.Contains('c') ? MachineState.Failed : MachineState.Running;
    }

    public void Delete(Machine machine) { }
}
