namespace Kraft.Machines;

public enum RunExitKind
{
    /// <summary>The guest shut down normally (Unikraft halted).</summary>
    Halted,
    /// <summary>The guest crashed (trap, assertion, UK_CRASH, failed init).</summary>
    Crashed,
    /// <summary>We (Ctrl-C, SIGTERM, cancellation) or someone else stopped QEMU.</summary>
    Killed,
    /// <summary>QEMU itself failed: bad option, unloadable kernel, KVM refused the guest, QEMU crashed.</summary>
    QemuFailed,
}

/// <summary>How a foreground run ended.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="QemuExitCode">QEMU's own exit status (128+N when a signal ended it).</param>
/// <param name="ExitCode">What `kraft run` should exit with: 0 halt, 1 crash or failure, 130 Ctrl-C.</param>
/// <param name="Message">For a crash or failure, the one-line explanation to show; null otherwise.</param>
/// <param name="Hint">How to fix it, when we know.</param>
public sealed record RunResult(RunExitKind Kind, int QemuExitCode, int ExitCode, string? Message = null, string? Hint = null)
{
    public const int CtrlCExitCode = 130;

    /// <summary>Everything QEMU wrote to stderr.</summary>
    public string QemuStderr { get; init; } = "";
    /// <summary>The console lines that showed the crash (CRIT:, init failures), if any.</summary>
    public IReadOnlyList<string> CrashLines { get; init; } = [];
    /// <summary>The guest failed because its CPU lacks RDRAND/RDSEED (Unikraft ≥ 0.17 lib/ukrandom).</summary>
    public bool HwrngFailure { get; init; }
    /// <summary>The signal that ended the VMM (e.g. 9 for kill -9), when one did.</summary>
    public int? Signal { get; init; }
    /// <summary>KVM could not run this guest on this host (QEMU reported a KVM internal error): retry under emulation.</summary>
    public bool KvmFailed { get; init; }
    /// <summary>From starting QEMU until it exited.</summary>
    public TimeSpan Elapsed { get; init; }
    /// <summary>From starting QEMU until the first console byte (null when there was none).</summary>
    public TimeSpan? FirstOutput { get; init; }

    public bool Succeeded => Kind == RunExitKind.Halted;

    /// <summary>The error to print for a crash or failure (carrying <see cref="ExitCode"/>); null when there is nothing to say.</summary>
    public KraftException? ToException() =>
        Message is null ? null : new KraftException(Message, hint: Hint, exitCode: ExitCode);
}
