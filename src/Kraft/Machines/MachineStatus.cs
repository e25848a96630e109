namespace Kraft.Machines;

/// <summary>The life of a machine. Names as KraftKit's (`kraft ps` prints them lower-case).</summary>
public enum MachineState
{
    /// <summary>Recorded, not started (--no-start, or a run -d that never got to start it).</summary>
    Created,
    /// <summary>The supervisor is launching the VMM.</summary>
    Starting,
    Running,
    /// <summary>Stopped by `kraft pause` (QMP stop); `kraft start` resumes it.</summary>
    Paused,
    /// <summary>The VMM process is gone: the guest halted, crashed, or was killed.</summary>
    Exited,
    /// <summary>The VMM never came up (bad option, unbootable kernel) or KVM could not run the guest.</summary>
    Failed,
}

public static class MachineStates
{
    public static string Name(this MachineState s) => s switch
    {
        MachineState.Created => "created",
        MachineState.Starting => "starting",
        MachineState.Running => "running",
        MachineState.Paused => "paused",
        MachineState.Exited => "exited",
        MachineState.Failed => "failed",
        _ => "unknown",
    };

    /// <summary>Whether a VMM process may exist for a machine in this state.</summary>
    public static bool IsLive(this MachineState s) => s is MachineState.Starting or MachineState.Running or MachineState.Paused;
}

/// <summary>A process identity that survives pid reuse: the pid and its start time (/proc/PID/stat field 22, in clock ticks since boot).</summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTicks);

/// <summary>
/// What is known about a machine now. Written by the supervisor (and by pause/stop under the
/// machine's lock); read by every command. When the supervisor itself is gone, the live state is
/// worked out from <see cref="Vmm"/> (pid and start time) and the driver's control socket.
/// </summary>
public sealed record MachineStatus
{
    public MachineState State { get; init; } = MachineState.Created;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? ExitedAt { get; init; }
    /// <summary>The VMM process (QEMU, Firecracker) while it may be alive.</summary>
    public ProcessIdentity? Vmm { get; init; }
    /// <summary>The process that waits for the VMM: kraft's hidden supervisor, or the foreground `kraft run`.</summary>
    public ProcessIdentity? Supervisor { get; init; }
    /// <summary>Whether the machine runs in the foreground of a `kraft run` (then it dies with that kraft).</summary>
    public bool Foreground { get; init; }
    /// <summary>The accelerator it runs (ran) with, and why when it is not the requested one.</summary>
    public Acceleration? Accel { get; init; }
    public string? AccelNote { get; init; }

    /// <summary>How it ended (for Exited/Failed).</summary>
    public RunExitKind? ExitKind { get; init; }
    /// <summary>As `kraft run` exits for it: 0 halt, 1 crash or failure, 130 interrupted, 128+N for a VMM killed by signal N.</summary>
    public int? ExitCode { get; init; }
    /// <summary>The VMM's own exit status, when it exited normally.</summary>
    public int? VmmExitCode { get; init; }
    /// <summary>The signal that killed the VMM, when one did.</summary>
    public int? Signal { get; init; }
    public string? Message { get; init; }
    public string? Hint { get; init; }

    /// <summary>The status of a machine that ended with <paramref name="result"/>.</summary>
    public MachineStatus Ended(RunResult result, DateTimeOffset now) => this with
    {
        State = result.Kind == RunExitKind.QemuFailed && result.Signal is null ? MachineState.Failed : MachineState.Exited,
        ExitedAt = now,
        Vmm = null,
        ExitKind = result.Kind,
        ExitCode = result.ExitCode,
        VmmExitCode = result.Signal is null ? result.QemuExitCode : null,
        Signal = result.Signal,
        Message = result.Message,
        Hint = result.Hint,
    };

    /// <summary>For `kraft ps`: "running", "exited (0)", "exited (signal 9)", "failed (1)".</summary>
    public string Describe()
    {
        if (!(State is MachineState.Exited or MachineState.Failed)) return State.Name();
        if (Signal is { } sig) return $"{State.Name()} (signal {sig})";
        return ExitCode is { } code ? $"{State.Name()} ({code})" : $"{State.Name()} (status unknown)";
    }
}

/// <summary>The files of one machine, all inside its folder in the runtime directory.</summary>
public sealed record MachineFiles(string Dir)
{
    /// <summary>Name, id and spec: written once at create.</summary>
    public string SpecFile => Path.Combine(Dir, "machine.json");
    /// <summary>The <see cref="MachineStatus"/>, rewritten atomically.</summary>
    public string StatusFile => Path.Combine(Dir, "status.json");
    /// <summary>Every status writer holds this lock.</summary>
    public string LockFile => Path.Combine(Dir, "lock");
    /// <summary>The guest's console (serial port), appended across starts.</summary>
    public string ConsoleLog => Path.Combine(Dir, "console.log");
    /// <summary>The VMM's own stdout/stderr (warnings, errors).</summary>
    public string VmmLog => Path.Combine(Dir, "vmm.log");
    /// <summary>The VMM's pid, one line (QEMU -pidfile; a debugging aid: the status carries the identity).</summary>
    public string PidFile => Path.Combine(Dir, "vmm.pid");
    /// <summary>The control socket: QEMU's QMP, Firecracker's API.</summary>
    public string ControlSocket => Path.Combine(Dir, "control.sock");
    /// <summary>Driver-specific files (Firecracker config, xl config) are named by the driver inside <see cref="Dir"/>.</summary>
    public string File(string name) => Path.Combine(Dir, name);
}

/// <summary>A stored machine: its unique name, a random id, what it boots, and its last known status.</summary>
public sealed record Machine(string Name, string Id, MachineSpec Spec, MachineStatus Status, MachineFiles Files);
