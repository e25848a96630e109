using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>How a QEMU process is attached to kraft.</summary>
/// <param name="Files">The machine's folder: QEMU runs there, logs its stderr to vmm.log and, detached, its console to console.log. Null: a bare run (no machine).</param>
/// <param name="Console">Where the console is copied as it arrives (foreground); null when detached (the console goes to the log file only).</param>
/// <param name="DieWithParent">The VMM is killed when the process that started it dies (a foreground `kraft run` killed with kill -9).</param>
public sealed record QemuVmmOptions(MachineFiles? Files, Stream? Console, bool DieWithParent = false);

/// <summary>
/// One QEMU child process: pumps its console and stderr, notices a KVM internal error (QEMU then
/// sits paused forever), stops it on cancellation (SIGTERM, then SIGKILL of its whole tree) and
/// classifies how it ended.
/// </summary>
public sealed class QemuVmmProcess : IVmmProcess
{
    /// <summary>How long the console and stderr are still read once QEMU has exited.</summary>
    static readonly TimeSpan PipeDrainAfterExit = TimeSpan.FromSeconds(3);
    /// <summary>The part of a detached console log that is scanned for crash messages after the run.</summary>
    const int MaxScannedLogBytes = 1 << 20;

    readonly QemuLaunch _launch;
    readonly QemuVmmOptions _options;
    readonly IReporter _reporter;
    readonly Process _process;
    readonly ConsoleScanner _scanner = new();
    readonly StringBuilder _stderr = new();
    readonly object _stderrGate = new();
    readonly object _stopGate = new();
    readonly Stopwatch _clock;
    readonly long _consoleStart;
    readonly Thread _outPump, _errPump;
    readonly FileStream? _vmmLog, _consoleLog;
    readonly Native.TerminalState? _terminal;
    List<int>? _descendants;
    Timer? _killTimer;
    int _cancelled;
    volatile bool _kvmFailed;
    long _firstOutputTicks = -1;

    public ProcessIdentity Identity { get; }

    QemuVmmProcess(QemuLaunch launch, QemuVmmOptions options, IReporter reporter)
    {
        _launch = launch;
        _options = options;
        _reporter = reporter;
        var psi = new ProcessStartInfo(launch.Qemu.Path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        if (options.Files is { } files)
        {
            psi.WorkingDirectory = files.Dir;
            _vmmLog = Native.OpenAppend(files.VmmLog);
            if (options.Console is not null)
                _consoleLog = Native.OpenAppend(files.ConsoleLog);
            try { _consoleStart = File.Exists(files.ConsoleLog) ? new FileInfo(files.ConsoleLog).Length : 0; }
            catch (IOException) { }
        }
        // PR_SET_PDEATHSIG through util-linux's setpriv: QEMU gets SIGKILL when its parent dies.
        // (The parent is the thread that forks: callers start foreground machines from the main thread.)
        if (options.DieWithParent && ToolLocator.Find("setpriv") is { } setpriv)
        {
            psi.FileName = setpriv;
            foreach (var a in new[] { "--pdeathsig", "KILL", "--", launch.Qemu.Path }) psi.ArgumentList.Add(a);
        }
        foreach (var a in launch.Args) psi.ArgumentList.Add(a);

        if (options.Console is not null) _terminal = Native.TerminalState.Capture();
        _process = new Process { StartInfo = psi };
        _clock = Stopwatch.StartNew();
        try { Kraft.Host.ChildProcesses.Start(_process); }
        catch (System.ComponentModel.Win32Exception e)
        {
            DisposeLogs();
            throw new KraftException($"could not start '{launch.Qemu.Path}': {Kraft.Host.IoErrors.Reason(e)}",
                hint: $"install QEMU (sudo apt-get install -y {(launch.Spec.Arch == GuestArch.X86_64 ? "qemu-system-x86" : "qemu-system-arm")})");
        }
        Identity = ProcessIdentities.Of(_process.Id) ?? new ProcessIdentity(_process.Id, 0);
        _outPump = new Thread(PumpConsole) { IsBackground = true, Name = "qemu-console" };
        _errPump = new Thread(PumpStderr) { IsBackground = true, Name = "qemu-stderr" };
        _outPump.Start();
        _errPump.Start();
    }

    public static QemuVmmProcess Start(QemuLaunch launch, QemuVmmOptions options, IReporter reporter) => new(launch, options, reporter);

    void PumpConsole()
    {
        var src = _process.StandardOutput.BaseStream;
        var buf = new byte[16384];
        int n;
        try
        {
            while ((n = src.Read(buf, 0, buf.Length)) > 0)
            {
                if (_options.Console is { } console)
                {
                    if (_firstOutputTicks < 0) _firstOutputTicks = _clock.ElapsedTicks;
                    try { console.Write(buf, 0, n); console.Flush(); }
                    catch (IOException) { } // our stdout went away (closed pipe); keep draining
                    try { _consoleLog?.Write(buf, 0, n); _consoleLog?.Flush(); }
                    catch (IOException) { }
                    _scanner.Feed(buf.AsSpan(0, n));
                }
                else
                {
                    // Detached: the console goes to its chardev file; anything on stdout is QEMU's own.
                    try { _vmmLog?.Write(buf, 0, n); _vmmLog?.Flush(); }
                    catch (IOException) { }
                }
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        if (_options.Console is not null) _scanner.Complete();
    }

    void PumpStderr()
    {
        try
        {
            string? line;
            while ((line = _process.StandardError.ReadLine()) is not null)
            {
                lock (_stderrGate)
                    if (_stderr.Length < 1 << 20) _stderr.AppendLine(line);
                try
                {
                    if (_vmmLog is not null)
                    {
                        var bytes = Encoding.UTF8.GetBytes(line + "\n");
                        _vmmLog.Write(bytes);
                        _vmmLog.Flush();
                    }
                }
                catch (IOException) { }
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
                            _vmmLog?.Write(Encoding.UTF8.GetBytes($"kraft: QMP query-status: {state}\n"));
                        }
                        catch (QmpException) { }
                        catch (IOException) { }
                    }
                    Stop();
                }
                else if (line.Contains(": warning: ", StringComparison.Ordinal))
                    _reporter.Warn(line);
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>SIGTERM (QEMU restores the terminal and exits), then SIGKILL of whatever is left of its tree.</summary>
    void Stop()
    {
        lock (_stopGate)
        {
            try
            {
                if (_descendants is not null || _process.HasExited) return;
                _descendants = ProcessTree.Descendants(_process.Id);
                Native.Kill(_process.Id, Native.SIGTERM);
                _killTimer = new Timer(_ => ProcessRunner.KillTree(_process), null, QemuRunner.StopGrace, Timeout.InfiniteTimeSpan);
            }
            catch (InvalidOperationException) { }
        }
    }

    public bool WaitReady(TimeSpan timeout)
    {
        if (_options.Files is not { } files) return !_process.HasExited;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) return false;
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

    public RunResult Wait(CancellationToken cancel)
    {
        var signals = new List<PosixSignalRegistration>();
        try
        {
            void Cancel()
            {
                Interlocked.Exchange(ref _cancelled, 1);
                Stop();
            }
            foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
                signals.Add(PosixSignalRegistration.Create(sig, ctx => { ctx.Cancel = true; Cancel(); }));
            using var reg = cancel.Register(Cancel);
            _process.WaitForExit();
            lock (_stopGate)
                if (_descendants is not null)
                    ProcessTree.KillAll(_descendants);
            // A child QEMU started can keep the pipes open after QEMU itself is gone: drain what is
            // there, but never wait for such an orphan.
            var draining = Stopwatch.StartNew();
            _outPump.Join(PipeDrainAfterExit);
            _errPump.Join(TimeSpan.FromTicks(Math.Max(0, (PipeDrainAfterExit - draining.Elapsed).Ticks)));
            _clock.Stop();
            _killTimer?.Dispose();
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
            _terminal?.Restore();
        }
        if (_options.Console is null && _options.Files is { } files) ScanLog(files.ConsoleLog);

        string err;
        lock (_stderrGate) err = _stderr.ToString();
        var code = _process.ExitCode;
        // Under KVM, QEMU dying before the guest printed anything with KVM in its complaint (an
        // assertion in kvm.c, "failed to set MSR") is KVM failing on this host, like an internal error.
        var kvmFailed = _kvmFailed
            || (_launch.Accel == Acceleration.Kvm && _cancelled == 0 && code is not (0 or QemuCommandLine.DebugExitHalt or QemuCommandLine.DebugExitCrash)
                && !_scanner.SawOutput && err.Contains("kvm", StringComparison.OrdinalIgnoreCase));
        var result = QemuRunner.Classify(_launch, code, _cancelled == 1, _kvmFailed, _scanner, err);

        return result with
        {
            Elapsed = _clock.Elapsed,
            FirstOutput = _firstOutputTicks < 0 ? null : TimeSpan.FromSeconds(_firstOutputTicks / (double)Stopwatch.Frequency),
            Signal = code > 128 && _cancelled == 0 && !kvmFailed ? code - 128 : null,
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
            _scanner.Feed(buf);
            _scanner.Complete();
        }
        catch (IOException) { }
    }

    void DisposeLogs()
    {
        _vmmLog?.Dispose();
        _consoleLog?.Dispose();
    }

    public void Dispose()
    {
        _process.Dispose();
        DisposeLogs();
    }
}
