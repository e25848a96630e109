using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>How a VMM child is started and attached, for <see cref="VmmProcess"/>.</summary>
/// <param name="Files">The machine's folder: the VMM runs there and logs its stderr to vmm.log (and its console to console.log when <paramref name="StdoutIsConsole"/>). Null: a bare run (no machine).</param>
/// <param name="Console">Where the console is also copied as it arrives (foreground); null when detached.</param>
/// <param name="DieWithParent">The VMM is killed when the process that started it dies (a foreground kraft killed with kill -9).</param>
/// <param name="StdoutIsConsole">The VMM's stdout is the guest's console (scanned, timed, copied); otherwise it is the VMM's own output, into vmm.log.</param>
/// <param name="CannotStart">The error for a program that could not be executed (its reason given).</param>
public sealed record VmmStart(string Program, IReadOnlyList<string> Args, MachineFiles? Files, Stream? Console, bool DieWithParent,
    bool StdoutIsConsole, Func<string, KraftException> CannotStart);

/// <summary>
/// What every VMM child of kraft shares (QEMU, Firecracker, xl): it is started with its stdout and
/// stderr piped to two pumps (the console to the terminal, console.log and the
/// <see cref="ConsoleScanner"/>; stderr, bounded, to <see cref="Stderr"/> and vmm.log), stopped with
/// SIGTERM and, after <see cref="QemuRunner.StopGrace"/>, SIGKILL, and waited for with Ctrl-C,
/// SIGTERM and SIGHUP turned into that stop, then its pipes drained for a bounded time.
/// Subclasses say how it ended (and QEMU adds its KVM and descendant handling through the hooks).
/// </summary>
public abstract class VmmProcess : IVmmProcess
{
    /// <summary>How long the console and stderr are still read once the VMM has exited.</summary>
    static readonly TimeSpan PipeDrainAfterExit = TimeSpan.FromSeconds(3);
    const int MaxStderrChars = 1 << 20;

    readonly Process _process;
    readonly Stream? _console;
    readonly bool _stdoutIsConsole;
    readonly StringBuilder _stderr = new();
    readonly object _stopGate = new();
    readonly Stopwatch _clock;
    readonly Thread _outPump, _errPump;
    readonly Native.TerminalState? _terminal;
    Timer? _killTimer;
    bool _stopping;
    int _cancelled;
    long _firstOutputTicks = -1;

    protected FileStream? VmmLog { get; }
    protected FileStream? ConsoleLog { get; }
    protected ConsoleScanner Scanner { get; } = new();

    public ProcessIdentity Identity { get; }

    protected VmmProcess(VmmStart start)
    {
        _console = start.Console;
        _stdoutIsConsole = start.StdoutIsConsole;
        var psi = new ProcessStartInfo(start.Program)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = false,
        };
        if (start.Files is { } files)
        {
            psi.WorkingDirectory = files.Dir;
            VmmLog = Native.OpenAppend(files.VmmLog);
            if (start.StdoutIsConsole) ConsoleLog = Native.OpenAppend(files.ConsoleLog);
        }
        // PR_SET_PDEATHSIG through util-linux's setpriv: the VMM gets SIGKILL when its parent dies.
        // (The parent is the thread that forks: callers start foreground machines from the main thread.)
        if (start.DieWithParent && ToolLocator.Find("setpriv") is { } setpriv)
        {
            psi.FileName = setpriv;
            foreach (var a in new[] { "--pdeathsig", "KILL", "--", start.Program }) psi.ArgumentList.Add(a);
        }
        foreach (var a in start.Args) psi.ArgumentList.Add(a);

        if (start.Console is not null) _terminal = Native.TerminalState.Capture();
        _process = new Process { StartInfo = psi };
        _clock = Stopwatch.StartNew();
        try { ChildProcesses.Start(_process); }
        catch (System.ComponentModel.Win32Exception e)
        {
            DisposeLogs();
            throw start.CannotStart(IoErrors.Reason(e));
        }
        Identity = ProcessIdentities.Of(_process.Id) ?? new ProcessIdentity(_process.Id, 0);
        _outPump = new Thread(PumpStdout) { IsBackground = true, Name = "vmm-console" };
        _errPump = new Thread(PumpStderr) { IsBackground = true, Name = "vmm-stderr" };
    }

    /// <summary>
    /// Starts reading the VMM's stdout and stderr. Each subclass calls it last in its constructor:
    /// the pumps call its hooks (<see cref="OnStderrLine"/>), which must see its fields set.
    /// </summary>
    protected void StartPumps()
    {
        _outPump.Start();
        _errPump.Start();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>What the VMM wrote to stderr so far (bounded).</summary>
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Whether the wait was cancelled (Ctrl-C, SIGTERM, the token): the VMM was stopped by us.</summary>
    protected bool Cancelled => Volatile.Read(ref _cancelled) == 1;

    /// <summary>How long the VMM ran, and when its console first printed (null: never).</summary>
    protected TimeSpan Elapsed => _clock.Elapsed;
    protected TimeSpan? FirstOutput => _firstOutputTicks < 0 ? null : TimeSpan.FromSeconds(_firstOutputTicks / (double)Stopwatch.Frequency);

    /// <summary>Called for each stderr line, after it is logged (on the stderr pump's thread).</summary>
    protected virtual void OnStderrLine(string line) { }

    /// <summary>Called once, under the stop lock, just before the SIGTERM.</summary>
    protected virtual void BeforeStop() { }

    /// <summary>When the grace is over and the VMM still runs: SIGKILL.</summary>
    protected virtual void KillAfterGrace()
    {
        try { if (!_process.HasExited) Native.Kill(_process.Id, Native.SIGKILL); }
        catch (InvalidOperationException) { }
    }

    /// <summary>Called under the stop lock once the VMM has exited, before its pipes are drained; <paramref name="stopped"/>: <see cref="Stop"/> ran.</summary>
    protected virtual void AfterExit(bool stopped) { }

    void PumpStdout()
    {
        var src = _process.StandardOutput.BaseStream;
        var buf = new byte[16384];
        int n;
        try
        {
            while ((n = src.Read(buf, 0, buf.Length)) > 0)
            {
                if (!_stdoutIsConsole)
                {
                    try { VmmLog?.Write(buf, 0, n); VmmLog?.Flush(); }
                    catch (IOException) { }
                    continue;
                }
                if (_firstOutputTicks < 0) _firstOutputTicks = _clock.ElapsedTicks;
                if (_console is { } c)
                {
                    try { c.Write(buf, 0, n); c.Flush(); }
                    catch (IOException) { } // our stdout went away (closed pipe); keep draining
                }
                try { ConsoleLog?.Write(buf, 0, n); ConsoleLog?.Flush(); }
                catch (IOException) { }
                Scanner.Feed(buf.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        if (_stdoutIsConsole) Scanner.Complete();
    }

    void PumpStderr()
    {
        try
        {
            string? line;
            while ((line = _process.StandardError.ReadLine()) is not null)
            {
                lock (_stderr)
                    if (_stderr.Length < MaxStderrChars) _stderr.AppendLine(line);
                try
                {
                    if (VmmLog is not null)
                    {
                        VmmLog.Write(Encoding.UTF8.GetBytes(line + "\n"));
                        VmmLog.Flush();
                    }
                }
                catch (IOException) { }
                OnStderrLine(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    /// <summary>SIGTERM now (once), SIGKILL after the grace.</summary>
    protected void Stop()
    {
        lock (_stopGate)
        {
            try
            {
                if (_stopping || _process.HasExited) return;
                _stopping = true;
                BeforeStop();
                Native.Kill(_process.Id, Native.SIGTERM);
                _killTimer = new Timer(_ => KillAfterGrace(), null, QemuRunner.StopGrace, Timeout.InfiniteTimeSpan);
            }
            catch (InvalidOperationException) { }
        }
    }

    public abstract bool WaitReady(TimeSpan timeout);

    public abstract RunResult Wait(CancellationToken cancel);

    /// <summary>
    /// Blocks until the VMM exits (cancellation and SIGINT/SIGTERM/SIGHUP stop it) and its pipes are
    /// drained or the drain time is up; the terminal's settings are put back. Returns its exit code.
    /// </summary>
    protected int WaitForExit(CancellationToken cancel)
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
            lock (_stopGate) AfterExit(_stopping);
            // A child the VMM started can keep the pipes open after the VMM itself is gone: drain
            // what is there, but never wait for such an orphan.
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
        return _process.ExitCode;
    }

    /// <summary>The process, for subclasses that end its whole tree.</summary>
    protected Process Child => _process;

    void DisposeLogs()
    {
        VmmLog?.Dispose();
        ConsoleLog?.Dispose();
    }

    public void Dispose()
    {
        _process.Dispose();
        DisposeLogs();
        GC.SuppressFinalize(this);
    }
}
