using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kraft.Host;

/// <summary>How a guarded child relates to the terminal's process group.</summary>
public enum ChildGroup
{
    /// <summary>
    /// make, git: the child (and everything it starts: gcc, sub-makes, shells) runs in a process
    /// group of its own, which the guard ends as a whole. It cannot read the terminal.
    /// </summary>
    Own,

    /// <summary>
    /// A foreground QEMU: the child stays in kraft's process group, so it owns the terminal and
    /// Ctrl-C reaches it directly; when kraft dies the guard ends the child and its descendants.
    /// </summary>
    Shared,
}

/// <summary>
/// Makes child processes die with kraft, even on <c>kill -9</c>. .NET cannot run code between
/// fork and exec, and PR_SET_PDEATHSIG would fire when the thread that forked exits (thread-pool
/// threads come and go), so each child is started through a guard instead: kraft's own binary run
/// as the hidden command <c>kraft __guard own|shared PID -- FILE ARGS...</c>. The guard watches kraft
/// through a pidfd (the process, not a thread), starts the child, passes its exit code through and,
/// if kraft dies first, sends the child's group SIGTERM (make then deletes the half-written target),
/// and SIGKILL to whatever is left half a second later.
/// </summary>
public static partial class ChildGuard
{
    /// <summary>The hidden command's name (first argument of kraft).</summary>
    public const string Command = "__guard";

    /// <summary>How long the child's group has after SIGTERM before it is SIGKILLed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>The guard executable (kraft's own binary), or null: children are started directly.</summary>
    public static string? Executable { get; private set; }

    /// <summary>
    /// Guards every child <see cref="ProcessRunner"/> starts from now on with <paramref name="kraftExecutable"/>
    /// (the CLI passes its own path; a host that is not kraft, such as the unit tests, may pass a published kraft).
    /// </summary>
    public static void Enable(string? kraftExecutable) =>
        Executable = kraftExecutable is { Length: > 0 } && File.Exists(kraftExecutable) ? kraftExecutable : null;

    /// <summary>Stops guarding (children are started directly).</summary>
    public static void Disable() => Executable = null;

    /// <summary>
    /// The command line that runs <paramref name="file"/> with <paramref name="args"/> under
    /// <paramref name="guard"/>, watching <paramref name="parentPid"/>. Pure.
    /// </summary>
    public static (string File, List<string> Args) Wrap(string guard, string file, IEnumerable<string> args, ChildGroup group, int parentPid)
    {
        var argv = new List<string> { Command, group == ChildGroup.Own ? "own" : "shared", parentPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--", file };
        argv.AddRange(args);
        return (guard, argv);
    }

    /// <summary>Whether kraft was started as the guard (checked before anything else, it is on every child's path).</summary>
    public static bool IsGuardInvocation(string[] args) => args.Length > 0 && args[0] == Command;

    /// <summary>The guard itself: <c>__guard own|shared PID -- FILE ARGS...</c>. Returns the child's exit code.</summary>
    public static int RunGuard(string[] args)
    {
        if (args is not [Command, var mode and ("own" or "shared"), var pidText, "--", var file, ..]
            || !int.TryParse(pidText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parentPid))
        {
            WriteError($"kraft {Command}: usage: kraft {Command} own|shared PID -- FILE ARGS... (internal; kraft starts it)");
            return 2;
        }
        var own = mode == "own";
        if (own) _ = SetPgid(0, 0);

        // Watch the parent process; if it is already gone, start nothing.
        var pidfd = PidfdOpen(parentPid);
        if (LibC.GetPpid() != parentPid)
            return 137;

        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args.AsSpan(5)) psi.ArgumentList.Add(a);
        using var child = new Process { StartInfo = psi };

        var stopping = 0;
        void StopAll()
        {
            if (Interlocked.Exchange(ref stopping, 1) != 0) return;
            try
            {
                if (own) _ = Kill(0, SIGTERM);
                else _ = Kill(child.Id, SIGTERM);
                child.WaitForExit(StopGrace);
                if (own) _ = Kill(0, SIGKILL); // the guard included: there is nothing left to report to
                else { ProcessRunner.KillTree(child); Environment.Exit(137); }
            }
            catch (InvalidOperationException) { Environment.Exit(137); }
        }

        var signals = new List<PosixSignalRegistration>();
        if (own)
        {
            // kraft asks the child to stop (or the group's SIGTERM comes back to the guard itself).
            foreach (var sig in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                signals.Add(PosixSignalRegistration.Create(sig, c => { c.Cancel = true; new Thread(StopAll) { IsBackground = true }.Start(); }));
        }
        else
        {
            // Ctrl-C and Ctrl-\ reach the child from the terminal itself; the guard waits for it.
            signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true));
            signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true));
            signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Forward(child, SIGTERM); }));
            signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Forward(child, SIGHUP); }));
        }

        try { ChildProcesses.Start(child); }
        catch (System.ComponentModel.Win32Exception e)
        {
            WriteError($"kraft: could not start '{file}': {Marshal.GetPInvokeErrorMessage(e.NativeErrorCode)}");
            return 127;
        }

        new Thread(() => { WaitForDeath(pidfd, parentPid); StopAll(); }) { IsBackground = true, Name = "kraft guard" }.Start();
        child.WaitForExit();
        if (Volatile.Read(ref stopping) != 0) Thread.Sleep(Timeout.Infinite); // StopAll ends the process
        foreach (var s in signals) s.Dispose();
        return child.ExitCode;
    }

    static void Forward(Process child, int signal)
    {
        try { _ = Kill(child.Id, signal); } catch (InvalidOperationException) { }
    }

    /// <summary>Returns when <paramref name="parentPid"/> has exited (a pidfd when the kernel has them, else polling getppid).</summary>
    static void WaitForDeath(int pidfd, int parentPid)
    {
        if (pidfd >= 0)
        {
            var fds = new PollFd { Fd = pidfd, Events = POLLIN };
            while (true)
            {
                var n = Poll(ref fds, 1, 1000);
                if (n > 0 || LibC.GetPpid() != parentPid) return;
                if (n < 0 && Marshal.GetLastPInvokeError() != EINTR) break;
            }
        }
        while (LibC.GetPpid() == parentPid) Thread.Sleep(100);
    }

    static void WriteError(string line) => LibC.WriteErrorLine(line);

    static int PidfdOpen(int pid)
    {
        try { return (int)Syscall(SYS_pidfd_open, pid, 0); }
        catch (EntryPointNotFoundException) { return -1; }
    }

    const string Libc = LibC.Name;
    const int SIGHUP = 1, SIGKILL = 9, SIGTERM = 15, EINTR = 4;
    const short POLLIN = 1;
    // pidfd_open has the same number on every Linux architecture (added after the tables were unified).
    const long SYS_pidfd_open = 434;

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd { public int Fd; public short Events; public short Revents; }

    [LibraryImport(Libc, EntryPoint = "setpgid", SetLastError = true)]
    private static partial int SetPgid(int pid, int pgid);

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    // syscall is variadic in C; on x86_64 and arm64 Linux integer arguments travel as fixed ones.
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    /// <summary>Sends SIGTERM to a guard: it stops its child (the whole group for <see cref="ChildGroup.Own"/>) and exits.</summary>
    internal static void AskToStop(Process guard)
    {
        try { if (!guard.HasExited) _ = Kill(guard.Id, SIGTERM); } catch (InvalidOperationException) { }
    }
}
