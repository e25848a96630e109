namespace Kraft.Machines;

/// <summary>
/// Machines on Xen: kraft writes the xl domain config (<see cref="XenConfig"/>) into the machine's
/// folder and stops there, because booting it (`xl create`) needs a Xen dom0, which this host is not.
/// The record stays (state created) so the config can be found, inspected and removed with kraft rm.
/// </summary>
public sealed class XenDriver : IMachineDriver
{
    public const string ConfigFileName = "xl.cfg";

    public Platform Platform => Platform.Xen;

    public static string ConfigPath(Machine machine) => machine.Files.File(ConfigFileName);

    public void Validate(MachineSpec spec)
    {
        if (spec.Ports.Count > 0)
            throw new KraftException("-p/--port needs QEMU's user-mode network; a Xen domain has none",
                hint: "attach it to a bridge with --network NAME instead");
        if (spec.Volumes.Count > 0)
            throw new KraftException("volumes (-v) are shared over 9pfs by QEMU; kraft does not write them into an xl config",
                hint: "drop -v, or give the files as a root filesystem (--rootfs)");
        var config = BootChecks.ReadConfig(spec.KernelConfigPath ?? BootChecks.ConfigBeside(spec.KernelPath));
        if (BootChecks.PlatformOf(config, Path.GetFileName(spec.KernelPath)) is { } other && other != Platform.Xen)
            throw new KraftException($"{spec.KernelPath} was built for {other.Name()}, not for Xen",
                hint: $"build the xen target (kraft build --plat xen) or run it with --plat {other.Name()}");
    }

    public void Create(Machine machine, IReporter reporter) =>
        Host.AtomicFile.WriteAllText(ConfigPath(machine), XenConfig.Render(machine.Spec, machine.Name));

    public Acceleration ChooseAccel(MachineSpec spec, IReporter reporter) => Acceleration.Kvm;

    public string CommandLine(Machine machine, StartOptions options) => $"xl create {ConfigPath(machine)}";

    public IVmmProcess Start(Machine machine, StartOptions options, IReporter reporter) =>
        throw XenConfig.WrittenButNotRunnable(ConfigPath(machine));

    public void Pause(Machine machine) => throw XenConfig.WrittenButNotRunnable(ConfigPath(machine));

    public void Resume(Machine machine) => throw XenConfig.WrittenButNotRunnable(ConfigPath(machine));

    public bool RequestShutdown(Machine machine) => false;

    public bool Quit(Machine machine) => false;

    public MachineState? Status(Machine machine, TimeSpan timeout) => null;

    public void Delete(Machine machine) { }
}
