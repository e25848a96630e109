using Kraft.Host;

namespace Kraft.Machines;

/// <summary>Everything decided before QEMU starts: which binary, which accelerator, which argv.</summary>
public sealed record QemuLaunch(MachineSpec Spec, QemuBinary Qemu, Acceleration Accel, Version? QemuVersion,
    IReadOnlyList<string> Args)
{
    /// <summary>The command as one shell-quoted line (for --dry-run, debug output and bug reports).</summary>
    public string CommandLine => ProcessRunner.Quote(Qemu.Path, Args);
}

/// <summary>Boots a unikernel under QEMU in the foreground, with the guest console on our stdout.</summary>
public static class QemuRunner
{
    /// <summary>How long QEMU gets to exit after SIGTERM before the whole tree is SIGKILLed.</summary>
    public static TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the console and stderr are still read once QEMU has exited.</summary>
    static readonly TimeSpan PipeDrainAfterExit = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Chooses the accelerator (KVM when the guest matches the host, /dev/kvm works and -W was not
    /// given; otherwise TCG with a one-line warning), locates QEMU, probes its version only when it
    /// matters (x86_64 under TCG) and builds the argv. Throws <see cref="KraftException"/> when
    /// QEMU is missing.
    /// </summary>
    public static QemuLaunch Prepare(MachineSpec spec, IReporter reporter) =>
        Prepare(spec, ChooseAcceleration(spec, reporter), null);

    /// <summary>The launch for an accelerator already chosen; <paramref name="machine"/> makes it a stored machine's QEMU.</summary>
    public static QemuLaunch Prepare(MachineSpec spec, Acceleration accel, QemuMachineArgs? machine)
    {
        var qemu = QemuProbe.Locate(spec.Arch);
        Version? version = null;
        if (spec.Arch == GuestArch.X86_64 && accel == Acceleration.Tcg)
            version = QemuProbe.GetVersion(qemu);
        return new QemuLaunch(spec, qemu, accel, version, QemuCommandLine.Build(spec, accel, version, qemu.LeadingArgs, machine));
    }

    static Acceleration ChooseAcceleration(MachineSpec spec, IReporter reporter)
    {
        if (spec.DisableAcceleration) return Acceleration.Tcg;
        var host = GuestArchNames.Host;
        if (host != spec.Arch)
        {
            reporter.Info($"emulating {spec.Arch.Name()} on this {host?.Name() ?? "foreign"} host (slower)");
            return Acceleration.Tcg;
        }
        var kvm = KvmProbe.Probe(spec.Arch);
        if (kvm.Usable) return Acceleration.Kvm;
        reporter.Warn($"KVM not available ({kvm.Reason}); using emulation (slower)"
                      + (kvm.Hint is null ? "" : $". To use KVM: {kvm.Hint}"));
        return Acceleration.Tcg;
    }

    /// <summary><see cref="Prepare"/> then <see cref="Run(QemuLaunch, IReporter, CancellationToken, Stream?)"/>.</summary>
    public static RunResult RunForeground(MachineSpec spec, IReporter reporter, CancellationToken cancel = default) =>
        Run(Prepare(spec, reporter), reporter, cancel);

    /// <summary>
    /// Runs QEMU until the guest halts or crashes, or until Ctrl-C / SIGTERM / <paramref name="cancel"/>
    /// (QEMU gets SIGTERM, then the whole tree SIGKILL after <see cref="StopGrace"/>; the result is
    /// Killed with exit code 130). Console bytes are copied to <paramref name="console"/> (default:
    /// our stdout) as they arrive; stdin is inherited so the user can type to the guest. QEMU's
    /// warnings go to <see cref="IReporter.Warn"/> as they come; the rest of its stderr ends up in
    /// the result's message when QEMU fails. No machine is recorded (see <see cref="MachineController"/>).
    /// </summary>
    public static RunResult Run(QemuLaunch launch, IReporter reporter, CancellationToken cancel = default, Stream? console = null)
    {
        using var vmm = QemuVmmProcess.Start(launch, new QemuVmmOptions(null, console ?? Console.OpenStandardOutput()), reporter);
        return vmm.Wait(cancel);
    }

    /// <summary>Maps QEMU's exit status and what the console showed to a <see cref="RunResult"/>.</summary>
    internal static RunResult Classify(QemuLaunch launch, int qemuExit, bool cancelled, bool kvmInternalError,
        ConsoleScanner scan, string stderr)
    {
        var spec = launch.Spec;
        RunResult R(RunExitKind kind, int exit, string? message = null, string? hint = null) =>
            new(kind, qemuExit, exit, message, hint)
            {
                QemuStderr = stderr,
                CrashLines = scan.CrashLines,
                HwrngFailure = scan.SawHwrngFailure,
            };

        if (kvmInternalError)
            return R(RunExitKind.QemuFailed, 1, "KVM could not run the guest (KVM internal error)",
                "run with -W to use emulation instead" + StderrTail(stderr, "\n  QEMU said:\n"));

        var signalled = TerminatingSignal(stderr);
        if (cancelled || signalled is 2 or 15 or 1)
            return R(RunExitKind.Killed, RunResult.CtrlCExitCode);

        if (scan.SawHwrngFailure)
            return R(RunExitKind.Crashed, 1, HwrngMessage(launch), HwrngHint);

        var debugExit = QemuCommandLine.HasDebugExit(spec.Arch);
        switch (qemuExit)
        {
            case QemuCommandLine.DebugExitHalt when debugExit:
                return R(RunExitKind.Halted, 0);
            case QemuCommandLine.DebugExitCrash when debugExit:
                return R(RunExitKind.Crashed, 1, CrashMessage(scan));
            case 0:
                // Without isa-debug-exit (arm) a crash also powers off cleanly: trust the console.
                return scan.SawCrash ? R(RunExitKind.Crashed, 1, CrashMessage(scan)) : R(RunExitKind.Halted, 0);
        }

        if (qemuExit is 128 + 9)
            return R(RunExitKind.Killed, qemuExit, "QEMU was killed (SIGKILL)");

        var accelHint = launch.Accel == Acceleration.Kvm
            ? "if KVM is the problem, run with -W to use emulation instead"
            : null;
        var what = qemuExit > 128 ? $"QEMU died with signal {qemuExit - 128}" : $"QEMU failed (exit code {qemuExit})";
        var detail = stderr.Trim();
        return R(RunExitKind.QemuFailed, 1, detail.Length == 0 ? what : $"{what}: {LastLines(detail, 20)}", accelHint);
    }

    const string HwrngHint =
        "run under KVM on a host whose CPU has RDSEED, use QEMU >= 8.1.3 (its emulator provides RDRAND/RDSEED), "
        + "or rebuild without the random library: add CONFIG_LIBUKRANDOM: 'n' to the target's kconfig in the Kraftfile";

    static string HwrngMessage(QemuLaunch launch)
    {
        var cpu = launch.Accel == Acceleration.Kvm
            ? "the host CPU passed through by KVM does not offer them"
            : launch.QemuVersion is { } v && v >= QemuCommandLine.TcgRdseedWorksFrom
                ? "the emulated CPU does not offer them"
                : $"the emulated CPU lacks them (QEMU {launch.QemuVersion?.ToString() ?? "< 8.1.3"} cannot emulate RDSEED; 8.1.3 and newer can)";
        return "the unikernel could not initialize its random number generator (\"Could not initialize the HWRNG (-95)\"): "
               + $"it needs the RDRAND and RDSEED instructions (Unikraft >= 0.17 lib/ukrandom) but {cpu}";
    }

    static string CrashMessage(ConsoleScanner scan) =>
        scan.CrashLines.Count > 0 ? $"the unikernel crashed: {scan.CrashLines[0]}" : "the unikernel crashed";

    /// <summary>N from QEMU's "terminating on signal N" message, if present.</summary>
    static int? TerminatingSignal(string stderr)
    {
        const string marker = "terminating on signal ";
        var i = stderr.LastIndexOf(marker, StringComparison.Ordinal);
        if (i < 0) return null;
        var j = i + marker.Length;
        var k = j;
        while (k < stderr.Length && char.IsAsciiDigit(stderr[k])) k++;
        return int.TryParse(stderr.AsSpan(j, k - j), out var n) ? n : null;
    }

    static string StderrTail(string stderr, string prefix)
    {
        var t = stderr.Trim();
        return t.Length == 0 ? "" : prefix + LastLines(t, 8);
    }

    static string LastLines(string text, int count)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines.Length <= count ? lines : lines[^count..]).TrimEnd();
    }
}
