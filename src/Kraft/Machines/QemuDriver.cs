namespace Kraft.Machines;

/// <summary>
/// Machines under QEMU: the console on a file (detached) or copied by the foreground kraft,
/// control through QMP on the machine folder's control.sock, -name carrying the machine name.
/// </summary>
public sealed class QemuDriver(MachineStore store) : IMachineDriver
{
    static readonly TimeSpan QmpTimeout = TimeSpan.FromSeconds(3);

    public Platform Platform => Platform.Qemu;

    public AccelVerdicts Verdicts { get; } = AccelVerdicts.In(store);

    public void Validate(MachineSpec spec)
    {
        QemuProbe.Locate(spec.Arch);
        BootChecks.ForQemu(spec);
    }

    public void Create(Machine machine, IReporter reporter) { }

    public Acceleration ChooseAccel(MachineSpec spec, IReporter reporter)
    {
        if (spec.Accel == AccelRequest.Tcg) return Acceleration.Tcg;
        var host = GuestArchNames.Host;
        if (host != spec.Arch)
        {
            if (spec.Accel == AccelRequest.Kvm)
                throw new KraftException($"--accel kvm: a {spec.Arch.Name()} guest cannot use KVM on this {host?.Name() ?? "foreign"} host",
                    hint: "drop --accel kvm (emulation is used)");
            reporter.Info($"emulating {spec.Arch.Name()} on this {host?.Name() ?? "foreign"} host (slower)");
            return Acceleration.Tcg;
        }
        var kvm = KvmProbe.ProbeDevice(Path.Combine(Environment.GetEnvironmentVariable("HOST_DEV") ?? "/dev", "kvm"), detectPvm: false);
        if (!kvm.Usable)
        {
            if (spec.Accel == AccelRequest.Kvm)
                throw new KraftException($"--accel kvm: KVM is not available ({kvm.Reason})", hint: kvm.Hint ?? "drop --accel kvm to use emulation");
            reporter.Warn($"KVM not available ({kvm.Reason}); using emulation (slower)"
                          + (kvm.Hint is null ? "" : $". To use KVM: {kvm.Hint}"));
            return Acceleration.Tcg;
        }
        if (spec.Accel == AccelRequest.Kvm) return Acceleration.Kvm;
        if (Verdicts.Get(HostKey(spec)) is { KvmWorks: false } verdict)
        {
            reporter.Info($"using emulation: KVM could not run a guest on this host before ({verdict.Reason}); --accel kvm tries again");
            return Acceleration.Tcg;
        }
        return Acceleration.Kvm;
    }

    /// <summary>The verdict key for this host and this spec's QEMU.</summary>
    public string HostKey(MachineSpec spec)
    {
        Version? version = null;
        try { version = QemuProbe.GetVersion(QemuProbe.Locate(spec.Arch)); }
        catch (KraftException) { }
        return AccelVerdicts.HostKey(version) + "|" + spec.Arch.Name();
    }

    static QemuMachineArgs MachineArgs(Machine m, StartOptions o) =>
        new(m.Name, o.Foreground ? null : m.Files.ConsoleLog, Path.GetFileName(m.Files.ControlSocket), m.Files.PidFile);

    public string CommandLine(Machine machine, StartOptions options) =>
        QemuRunner.Prepare(machine.Spec, options.Accel, MachineArgs(machine, options)).CommandLine;

    public IVmmProcess Start(Machine machine, StartOptions options, IReporter reporter)
    {
        // A socket left by a QEMU that was killed would make the next one fail to bind.
        Host.AtomicFile.TryDelete(machine.Files.ControlSocket);
        var launch = QemuRunner.Prepare(machine.Spec, options.Accel, MachineArgs(machine, options));
        return QemuVmmProcess.Start(launch, new QemuVmmOptions(machine.Files, options.Console, DieWithParent: options.Foreground), reporter);
    }

    void Command(Machine m, string command)
    {
        try
        {
            using var qmp = QmpClient.Connect(m.Files.ControlSocket, QmpTimeout);
            qmp.Execute(command).Dispose();
        }
        catch (QmpException e)
        {
            throw new KraftException($"machine '{m.Name}' did not answer ({command}): {e.Message}",
                hint: $"see its state with: kraft ps -a; its QEMU log: {m.Files.VmmLog}");
        }
    }

    public void Pause(Machine machine) => Command(machine, "stop");

    public void Resume(Machine machine) => Command(machine, "cont");

    public bool RequestShutdown(Machine machine)
    {
        try
        {
            using var qmp = QmpClient.Connect(machine.Files.ControlSocket, QmpTimeout);
            qmp.Execute("system_powerdown").Dispose();
            return true;
        }
        catch (QmpException) { return false; }
    }

    public bool Quit(Machine machine)
    {
        try
        {
            using var qmp = QmpClient.Connect(machine.Files.ControlSocket, QmpTimeout);
            qmp.ExecuteFinal("quit");
            return true;
        }
        catch (QmpException) { return false; }
    }

    public MachineState? Status(Machine machine, TimeSpan timeout)
    {
        try
        {
            using var qmp = QmpClient.Connect(machine.Files.ControlSocket, timeout);
            return StateOf(qmp.QueryStatus());
        }
        catch (QmpException) { return null; }
    }

    /// <summary>QEMU's run states (qapi RunState) as machine states.</summary>
    public static MachineState StateOf(string qemuStatus) => qemuStatus switch
    {
        "running" => MachineState.Running,
        "paused" or "suspended" or "prelaunch" or "inmigrate" or "postmigrate" or "save-vm" or "restore-vm" or "debug" or "finish-migrate" => MachineState.Paused,
        "internal-error" or "io-error" or "guest-panicked" => MachineState.Failed,
        "shutdown" => MachineState.Exited,
        _ => MachineState.Running,
    };

    public void Delete(Machine machine) => Host.AtomicFile.TryDelete(machine.Files.ControlSocket);
}
