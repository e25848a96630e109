using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
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
    public static QemuLaunch Prepare(MachineSpec spec, IReporter reporter)
    {
        var qemu = QemuProbe.Locate(spec.Arch);
        var accel = ChooseAcceleration(spec, reporter);
        Version? version = null;
        if (spec.Arch == GuestArch.X86_64 && accel == Acceleration.Tcg)
            version = QemuProbe.GetVersion(qemu);
        return new QemuLaunch(spec, qemu, accel, version, QemuCommandLine.Build(spec, accel, version, qemu.LeadingArgs));
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
    /// the result's message when QEMU fails.
    /// </summary>
    public static RunResult Run(QemuLaunch launch, IReporter reporter, CancellationToken cancel = default, Stream? console = null)
    {
        var psi = new ProcessStartInfo(launch.Qemu.Path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var a in launch.Args) psi.ArgumentList.Add(a);

        var terminal = Native.TerminalState.Capture();
        var scanner = new ConsoleScanner();
        var stderr = new StringBuilder();
        var stderrGate = new object();
        var cancelled = 0;
        var kvmInternalError = false;
        using var process = new Process { StartInfo = psi };
        Timer? killTimer = null;

        // QEMU first gets SIGTERM (it then restores the terminal and exits cleanly); whatever is
        // left of its process tree after the grace period, including children it orphaned, is SIGKILLed.
        var stopGate = new object();
        List<int>? descendants = null;
        void Stop()
        {
            lock (stopGate)
            {
                try
                {
                    if (descendants is not null || process.HasExited) return;
                    descendants = ProcessTree.Descendants(process.Id);
                    Native.Kill(process.Id, Native.SIGTERM);
                    killTimer = new Timer(_ => ProcessRunner.KillTree(process), null, StopGrace, Timeout.InfiniteTimeSpan);
                }
                catch (InvalidOperationException) { }
            }
        }
        void Cancel()
        {
            Interlocked.Exchange(ref cancelled, 1);
            Stop();
        }

        var signals = new List<PosixSignalRegistration>();
        var clock = Stopwatch.StartNew();
        long firstOutputTicks = -1;
        try
        {
            try { process.Start(); }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new KraftException($"could not start '{launch.Qemu.Path}': {Kraft.Host.IoErrors.Reason(e)}",
                    hint: $"install QEMU (sudo apt-get install -y {(launch.Spec.Arch == GuestArch.X86_64 ? "qemu-system-x86" : "qemu-system-arm")})");
            }
            foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
                signals.Add(PosixSignalRegistration.Create(sig, ctx => { ctx.Cancel = true; Cancel(); }));
            using var cancelReg = cancel.Register(Cancel);

            var output = console ?? Console.OpenStandardOutput();
            var outPump = new Thread(() =>
            {
                var src = process.StandardOutput.BaseStream;
                var buf = new byte[16384];
                int n;
                try
                {
                    while ((n = src.Read(buf, 0, buf.Length)) > 0)
                    {
                        if (firstOutputTicks < 0) firstOutputTicks = clock.ElapsedTicks;
                        try { output.Write(buf, 0, n); output.Flush(); }
                        catch (IOException) { } // our stdout went away (closed pipe); keep draining
                        scanner.Feed(buf.AsSpan(0, n));
                    }
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
                scanner.Complete();
            }) { IsBackground = true, Name = "qemu-console" };
            var errPump = new Thread(() =>
            {
                try
                {
                    string? line;
                    while ((line = process.StandardError.ReadLine()) is not null)
                    {
                        lock (stderrGate) stderr.AppendLine(line);
                        if (line.Contains("KVM internal error", StringComparison.Ordinal))
                        {
                            // QEMU pauses the VM and would wait forever.
                            kvmInternalError = true;
                            Stop();
                        }
                        else if (line.Contains(": warning: ", StringComparison.Ordinal))
                            reporter.Warn(line);
                    }
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }) { IsBackground = true, Name = "qemu-stderr" };
            outPump.Start();
            errPump.Start();

            process.WaitForExit();
            lock (stopGate)
                if (descendants is not null)
                    ProcessTree.KillAll(descendants);
            // A child QEMU started (or one that slipped past the kill, e.g. forked while we were
            // stopping) can keep the pipes open after QEMU itself is gone: drain what is there,
            // but never wait for such an orphan.
            var draining = Stopwatch.StartNew();
            outPump.Join(PipeDrainAfterExit);
            errPump.Join(TimeSpan.FromTicks(Math.Max(0, (PipeDrainAfterExit - draining.Elapsed).Ticks)));
            clock.Stop();
            killTimer?.Dispose();
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
            terminal?.Restore();
        }

        string err;
        lock (stderrGate) err = stderr.ToString();
        var result = Classify(launch, process.ExitCode, cancelled == 1, kvmInternalError, scanner, err);
        return result with
        {
            Elapsed = clock.Elapsed,
            FirstOutput = firstOutputTicks < 0 ? null : TimeSpan.FromSeconds(firstOutputTicks / (double)Stopwatch.Frequency),
        };
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
