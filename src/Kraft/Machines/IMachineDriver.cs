namespace Kraft.Machines;

/// <summary>How a VMM is started: the accelerator, and whether a foreground kraft shows its console.</summary>
public sealed record StartOptions
{
    public Acceleration Accel { get; init; } = Acceleration.Tcg;
    /// <summary>
    /// Foreground: the console is also copied here as it arrives (and stdin reaches the guest), and
    /// the VMM dies with the calling process. Null for a detached machine: the console goes only to
    /// the log, and the VMM outlives its supervisor.
    /// </summary>
    public Stream? Console { get; init; }
    public bool Foreground => Console is not null;
}

/// <summary>A VMM process started by <see cref="IMachineDriver.Start"/>, owned by the calling process (its parent).</summary>
public interface IVmmProcess : IDisposable
{
    ProcessIdentity Identity { get; }
    /// <summary>Blocks until the VMM serves its control socket (true), exits, or <paramref name="timeout"/> passes (false).</summary>
    bool WaitReady(TimeSpan timeout);
    /// <summary>
    /// Blocks until the VMM exits and says how the guest ended. <paramref name="cancel"/> (Ctrl-C,
    /// SIGTERM) stops the VMM (TERM, then KILL) and gives a Killed result with exit code 130.
    /// A guest the VMM can no longer run (KVM internal error) is stopped and reported with
    /// <see cref="RunResult.KvmFailed"/>.
    /// </summary>
    RunResult Wait(CancellationToken cancel);
}

/// <summary>
/// One virtual machine monitor (QEMU, Firecracker, Xen's xl). Everything here works on a
/// <see cref="Machine"/> from the <see cref="MachineStore"/>: the driver keeps its own files in
/// <see cref="Machine.Files"/> (control socket, configs) and nothing else on the host, except what
/// the spec names (taps). The life cycle around it (records, supervisor, stop escalation,
/// KVM fallback) is the driver-independent <see cref="MachineController"/>.
/// </summary>
public interface IMachineDriver
{
    Platform Platform { get; }

    /// <summary>
    /// Checks that the spec can boot here before anything is recorded: the kernel was built for this
    /// platform, memory fits the image, the CPU count is one the image supports, the VMM exists.
    /// Throws <see cref="KraftException"/> naming what to change.
    /// </summary>
    void Validate(MachineSpec spec);

    /// <summary>
    /// The checks of <see cref="Validate"/> that need nothing installed on this host (the VMM may
    /// be missing): for --dry-run, which starts nothing.
    /// </summary>
    void ValidateForDryRun(MachineSpec spec) => Validate(spec);

    /// <summary>Prepares what the driver needs in the machine's folder (e.g. a config file); nothing runs yet.</summary>
    void Create(Machine machine, IReporter reporter);

    /// <summary>
    /// The accelerator for this machine: the spec's request, the host's remembered verdict, or a
    /// probe; <paramref name="reporter"/> gets one line when it is not what the user asked for.
    /// </summary>
    Acceleration ChooseAccel(MachineSpec spec, IReporter reporter);

    /// <summary>The VMM command line, for --dry-run and `kraft inspect`; it never needs the VMM installed.</summary>
    string CommandLine(Machine machine, StartOptions options);

    /// <summary>
    /// What <see cref="Create"/> and <see cref="Start"/> would do, as text for --dry-run: the
    /// command line first, then what else the driver would write or send. Writes and runs nothing.
    /// </summary>
    string DryRun(Machine machine, StartOptions options) => CommandLine(machine, options);

    /// <summary>Launches the VMM as a child of the calling process.</summary>
    IVmmProcess Start(Machine machine, StartOptions options, IReporter reporter);

    /// <summary>Freezes the guest's CPUs (QMP stop).</summary>
    void Pause(Machine machine);

    /// <summary>Resumes a paused guest (QMP cont).</summary>
    void Resume(Machine machine);

    /// <summary>Asks the guest to shut down (ACPI power button); false when the VMM cannot ask.</summary>
    bool RequestShutdown(Machine machine);

    /// <summary>Ends the VMM at once through its control socket (QMP quit); false when it did not answer.</summary>
    bool Quit(Machine machine);

    /// <summary>
    /// The live state, asked from the VMM's control socket (QMP query-status), for when no
    /// supervisor is there to record it; null when the VMM does not answer.
    /// </summary>
    MachineState? Status(Machine machine, TimeSpan timeout);

    /// <summary>Releases what <see cref="Create"/> and <see cref="Start"/> set up outside the folder (the store deletes the folder).</summary>
    void Delete(Machine machine);

    /// <summary>
    /// Why this host cannot start the created machine although its files are written (Xen without a
    /// dom0: the xl config is the product), or null when <see cref="Start"/> can run.
    /// </summary>
    NotStartable? CannotStartHere(Machine machine) => null;
}

/// <summary>A machine that is written but cannot start on this host: the file to take elsewhere, and why.</summary>
public sealed record NotStartable(string File, string Why);
