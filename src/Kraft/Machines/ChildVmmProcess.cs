using Kraft.Host;

namespace Kraft.Machines;

/// <summary>A VMM other than QEMU to start for a machine: the program, its argv, and what to tell a user who lacks it.</summary>
/// <param name="Vmm">How messages name it ("Firecracker", "xl").</param>
public sealed record ChildVmmLaunch(string Program, IReadOnlyList<string> Args, string Vmm, string InstallHint);

/// <summary>
/// One VMM child whose stdout is the guest console (Firecracker's serial port, `xl create -c`):
/// the console goes to the machine's console.log (and, in the foreground, to the terminal too),
/// stderr to vmm.log (<see cref="VmmProcess"/>). It is started through <see cref="VmmLauncher"/>,
/// which records it in vmm.pid before it runs. How it ended is told from the exit status and the console.
/// </summary>
public sealed class ChildVmmProcess : VmmProcess
{
    readonly ChildVmmLaunch _launch;
    readonly Func<bool> _ready;

    /// <param name="ready">true once the VMM serves its control socket.</param>
    public ChildVmmProcess(ChildVmmLaunch launch, MachineFiles files, Stream? console, bool dieWithParent, Func<bool> ready)
        : base(StartOf(launch, files, console, dieWithParent))
    {
        _launch = launch;
        _ready = ready;
        if (ChildGuard.Executable is null)
        {
            try { File.WriteAllText(files.PidFile, $"{Identity.Pid} {Identity.StartTicks}\n"); }
            catch (IOException) { }
        }
        StartPumps();
    }

    /// <summary>
    /// Through kraft's launcher, which records the VMM in vmm.pid before it runs (see VmmLauncher);
    /// a host that is not kraft (the unit tests) starts it directly and writes the pid file after.
    /// </summary>
    static VmmStart StartOf(ChildVmmLaunch launch, MachineFiles files, Stream? console, bool dieWithParent)
    {
        var launcher = ChildGuard.Executable;
        var (program, args) = launcher is null
            ? (launch.Program, (IReadOnlyList<string>)launch.Args)
            : (launcher, VmmLauncher.Wrap(files, launch.Program, launch.Args));
        return new VmmStart(program, args, files, console, dieWithParent, StdoutIsConsole: true,
            why => new KraftException($"could not start {launch.Vmm} ('{launch.Program}'): {why}", hint: launch.InstallHint));
    }

    public override bool WaitReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited) return false;
            if (_ready()) return true;
            Thread.Sleep(5);
        }
        return false;
    }

    public override RunResult Wait(CancellationToken cancel)
    {
        var code = WaitForExit(cancel);
        return Classify(code, Cancelled, Scanner, Stderr, _launch.Vmm) with { Elapsed = Elapsed, FirstOutput = FirstOutput };
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
}
