using System.Text;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>How a QEMU process is attached to kraft.</summary>
/// <param name="Files">The machine's folder: QEMU runs there, logs its stderr to vmm.log and, detached, its console to console.log. Null: a bare run (no machine).</param>
/// <param name="Console">Where the console is copied as it arrives (foreground); null when detached (the console goes to the log file only).</param>
/// <param name="DieWithParent">The VMM is killed when the process that started it dies (a foreground `kraft run` killed with kill -9).</param>
public sealed record QemuVmmOptions(MachineFiles? Files, Stream? Console, bool DieWithParent = false);

/// <summary>
/// One QEMU child process (<see cref="VmmProcess"/> pumps, stops and waits for it): notices a KVM
/// internal error (QEMU then sits paused forever), stops it on cancellation (SIGTERM, then SIGKILL
/// of its whole tree, and of the descendants it had) and classifies how it ended.
/// </summary>
public sealed class QemuVmmProcess : VmmProcess
{
    /// <summary>The part of a detached console log that is scanned for crash messages after the run.</summary>
    const int MaxScannedLogBytes = 1 << 20;

    readonly QemuLaunch _launch;
    readonly QemuVmmOptions _options;
    readonly IReporter _reporter;
    readonly long _consoleStart;
    List<int>? _descendants;
    volatile bool _kvmFailed;

    QemuVmmProcess(QemuLaunch launch, QemuVmmOptions options, IReporter reporter, long consoleStart)
        : base(new VmmStart(launch.Qemu.Path, launch.Args, options.Files, options.Console, options.DieWithParent,
            StdoutIsConsole: options.Console is not null,
            why => new KraftException($"could not start '{launch.Qemu.Path}': {why}",
                hint: $"install QEMU (sudo apt-get install -y {(launch.Spec.Arch == GuestArch.X86_64 ? "qemu-system-x86" : "qemu-system-arm")})")))
    {
        _launch = launch;
        _options = options;
        _reporter = reporter;
        _consoleStart = consoleStart;
        StartPumps();
    }

    /// <summary>Starts QEMU; a detached console log is scanned afterwards from where it ends now.</summary>
    public static QemuVmmProcess Start(QemuLaunch launch, QemuVmmOptions options, IReporter reporter)
    {
        long consoleStart = 0;
        if (options.Files is { } files)
        {
            try { consoleStart = File.Exists(files.ConsoleLog) ? new FileInfo(files.ConsoleLog).Length : 0; }
            catch (IOException) { }
        }
        return new(launch, options, reporter, consoleStart);
    }

    protected override void OnStderrLine(string line)
    {
        if (line.Contains("KVM internal error", StringComparison.Ordinal))
        {
            // QEMU pauses the VM in "internal-error" and would wait forever (QMP says so).
            _kvmFailed = true;
            if (_options.Files is { } f)
            {
                try
                {
                    using var qmp = QmpClient.Connect(f.ControlSocket, TimeSpan.FromSeconds(1));
                    var state = qmp.QueryStatus();
                    VmmLog?.Write(Encoding.UTF8.GetBytes($"kraft: QMP query-status: {state}\n"));
                }
                catch (QmpException) { }
                catch (IOException) { }
            }
            Stop();
        }
        else if (line.Contains(": warning: ", StringComparison.Ordinal))
            _reporter.Warn(line);
    }

    /// <summary>The tree is noted before the SIGTERM: what QEMU started must not outlive it.</summary>
    protected override void BeforeStop() => _descendants = ProcessTree.Descendants(Child.Id);

    protected override void KillAfterGrace() => ProcessRunner.KillTree(Child);

    protected override void AfterExit(bool stopped)
    {
        if (_descendants is not null) ProcessTree.KillAll(_descendants);
    }

    public override bool WaitReady(TimeSpan timeout)
    {
        if (_options.Files is not { } files) return !HasExited;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited) return false;
            if (File.Exists(files.ControlSocket))
            {
                try
                {
                    using var qmp = QmpClient.Connect(files.ControlSocket, TimeSpan.FromSeconds(2));
                    return true;
                }
                catch (QmpException) { }
            }
            Thread.Sleep(2);
        }
        return false;
    }

    public override RunResult Wait(CancellationToken cancel)
    {
        var code = WaitForExit(cancel);
        if (_options.Console is null && _options.Files is { } files) ScanLog(files.ConsoleLog);

        var err = Stderr;
        var cancelled = Cancelled;
        // Under KVM, QEMU dying before the guest printed anything with KVM in its complaint (an
        // assertion in kvm.c, "failed to set MSR") is KVM failing on this host, like an internal error.
        var kvmFailed = _kvmFailed
            || (_launch.Accel == Acceleration.Kvm && !cancelled && code is not (0 or QemuCommandLine.DebugExitHalt or QemuCommandLine.DebugExitCrash)
                && !Scanner.SawOutput && err.Contains("kvm", StringComparison.OrdinalIgnoreCase));
        var result = QemuRunner.Classify(_launch, code, cancelled, _kvmFailed, Scanner, err);

        return result with
        {
            Elapsed = Elapsed,
            FirstOutput = FirstOutput,
            Signal = code > 128 && !cancelled && !kvmFailed ? code - 128 : null,
            KvmFailed = kvmFailed,
        };
    }

    /// <summary>A detached console went straight to its file: scan what this run appended.</summary>
    void ScanLog(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var from = Math.Max(_consoleStart, fs.Length - MaxScannedLogBytes);
            fs.Position = from;
            var buf = new byte[fs.Length - from];
            fs.ReadExactly(buf);
            Scanner.Feed(buf);
            Scanner.Complete();
        }
        catch (IOException) { }
    }
}
