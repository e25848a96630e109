using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>A VMM other than QEMU to start for a machine: the program, its argv, and what to tell a user who lacks it.</summary>
/// <param name="Vmm">How messages name it ("Firecracker", "xl").</param>
public sealed record ChildVmmLaunch(string Program, IReadOnlyList<string> Args, string Vmm, string InstallHint);

/// <summary>
/// One VMM child whose stdout is the guest console (Firecracker's serial port, `xl create -c`):
/// the console goes to the machine's console.log (and, in the foreground, to the terminal too),
/// stderr to vmm.log; cancellation (Ctrl-C, SIGTERM) sends SIGTERM, then SIGKILL after
/// <see cref="QemuRunner.StopGrace"/>. How it ended is told from the exit status and the console.
/// </summary>
public sealed class ChildVmmProcess : IVmmProcess
{
    static readonly TimeSpan PipeDrainAfterExit = TimeSpan.FromSeconds(3);

    readonly ChildVmmLaunch _launch;
    readonly Process _process;
    readonly Stream? _console;
    readonly FileStream _consoleLog, _vmmLog;
    readonly Func<bool> _ready;
    readonly ConsoleScanner _scanner = new();
    readonly StringBuilder _stderr = new();
    readonly Stopwatch _clock;
    readonly Thread _outPump, _errPump;
    readonly Native.TerminalState? _terminal;
    Timer? _killTimer;
    int _cancelled;
    long _firstOutputTicks = -1;

    public ProcessIdentity Identity { get; }

    /// <param name="ready">true once the VMM serves its control socket.</param>
    public ChildVmmProcess(ChildVmmLaunch launch, MachineFiles files, Stream? console, bool dieWithParent, Func<bool> ready)
    {
        _launch = launch;
        _console = console;
        _ready = ready;
        // Through kraft's launcher, which records the VMM in vmm.pid before it runs (see VmmLauncher);
        // a host that is not kraft (the unit tests) starts it directly and writes the pid file after.
        var launcher = ChildGuard.Executable;
        var (program, args) = launcher is null
            ? (launch.Program, launch.Args.ToList())
            : (launcher, VmmLauncher.Wrap(files, launch.Program, launch.Args));
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = files.Dir,
        };
        // As for QEMU: PR_SET_PDEATHSIG (setpriv) so a foreground VMM dies with the kraft that runs it.
        if (dieWithParent && ToolLocator.Find("setpriv") is { } setpriv)
        {
            psi.FileName = setpriv;
            foreach (var a in new[] { "--pdeathsig", "KILL", "--", program }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        _consoleLog = Native.OpenAppend(files.ConsoleLog);
        _vmmLog = Native.OpenAppend(files.VmmLog);
        if (console is not null) _terminal = Native.TerminalState.Capture();
        _process = new Process { StartInfo = psi };
        _clock = Stopwatch.StartNew();
        try { ChildProcesses.Start(_process); }
        catch (System.ComponentModel.Win32Exception e)
        {
            _consoleLog.Dispose();
            _vmmLog.Dispose();
            throw new KraftException($"could not start {launch.Vmm} ('{launch.Program}'): {IoErrors.Reason(e)}", hint: launch.InstallHint);
        }
        Identity = ProcessIdentities.Of(_process.Id) ?? new ProcessIdentity(_process.Id, 0);
        if (launcher is null)
        {
            try { File.WriteAllText(files.PidFile, $"{Identity.Pid} {Identity.StartTicks}\n"); }
            catch (IOException) { }
        }
        _outPump = new Thread(PumpConsole) { IsBackground = true, Name = "vmm-console" };
        _errPump = new Thread(PumpStderr) { IsBackground = true, Name = "vmm-stderr" };
        _outPump.Start();
        _errPump.Start();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>What the VMM wrote to stderr so far (bounded).</summary>
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    void PumpConsole()
    {
        var src = _process.StandardOutput.BaseStream;
        var buf = new byte[16384];
        int n;
        try
        {
            while ((n = src.Read(buf, 0, buf.Length)) > 0)
            {
                if (_firstOutputTicks < 0) _firstOutputTicks = _clock.ElapsedTicks;
                if (_console is { } c)
                {
                    try { c.Write(buf, 0, n); c.Flush(); }
                    catch (IOException) { }
                }
                try { _consoleLog.Write(buf, 0, n); _consoleLog.Flush(); }
                catch (IOException) { }
                _scanner.Feed(buf.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        _scanner.Complete();
    }

    void PumpStderr()
    {
        try
        {
            string? line;
            while ((line = _process.StandardError.ReadLine()) is not null)
            {
                lock (_stderr)
                    if (_stderr.Length < 1 << 20) _stderr.AppendLine(line);
                try { _vmmLog.Write(Encoding.UTF8.GetBytes(line + "\n")); _vmmLog.Flush(); }
                catch (IOException) { }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    /// <summary>SIGTERM now, SIGKILL after the grace.</summary>
    public void Stop()
    {
        try
        {
            if (_process.HasExited) return;
            Native.Kill(_process.Id, Native.SIGTERM);
            _killTimer ??= new Timer(_ => { try { if (!_process.HasExited) Native.Kill(_process.Id, Native.SIGKILL); } catch (InvalidOperationException) { } },
                null, QemuRunner.StopGrace, Timeout.InfiniteTimeSpan);
        }
        catch (InvalidOperationException) { }
    }

    public bool WaitReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) return false;
            if (_ready()) return true;
            Thread.Sleep(5);
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
        return Classify(_process.ExitCode, _cancelled == 1, _scanner, Stderr, _launch.Vmm) with
        {
            Elapsed = _clock.Elapsed,
            FirstOutput = _firstOutputTicks < 0 ? null : TimeSpan.FromSeconds(_firstOutputTicks / (double)Stopwatch.Frequency),
        };
    }

    /// <summary>Exit status and console to a result: 0 is a halt (unless the console shows a crash), 128+N a signal, else the VMM failed.</summary>
    public static RunResult Classify(int code, bool cancelled, ConsoleScanner scan, string stderr, string vmm)
    {
        RunResult R(RunExitKind kind, int exit, string? message = null, string? hint = null) =>
            new(kind, code, exit, message, hint) { QemuStderr = stderr, CrashLines = scan.CrashLines, HwrngFailure = scan.SawHwrngFailure };
        if (cancelled) return R(RunExitKind.Killed, RunResult.CtrlCExitCode);
        if (code == 0)
            return scan.SawCrash ? R(RunExitKind.Crashed, 1, $"the unikernel crashed: {scan.CrashLines[0]}") : R(RunExitKind.Halted, 0);
        if (code > 128 && code < 128 + 65)
            return R(RunExitKind.Killed, code, code == 128 + 9 ? $"{vmm} was killed (SIGKILL)" : null) with { Signal = code - 128 };
        var tail = string.Join('\n', stderr.Trim().Split('\n').TakeLast(8)).Trim();
        return R(RunExitKind.QemuFailed, 1, $"{vmm} exited with status {code}" + (tail.Length == 0 ? "" : ": " + tail.Split('\n')[^1]),
            tail.Length == 0 ? null : $"{vmm} said:\n{tail}");
    }

    public void Dispose()
    {
        _process.Dispose();
        _consoleLog.Dispose();
        _vmmLog.Dispose();
    }
}
