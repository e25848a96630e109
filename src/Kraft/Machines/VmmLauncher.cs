using System.Globalization;
using System.Runtime.InteropServices;
using Kraft.Host;

namespace Kraft.Machines;

/// <summary>
/// Records a VMM before it exists: the hidden <c>kraft __vmm MACHINE-DIR -- PROGRAM ARGS...</c>,
/// which a supervisor starts instead of the VMM itself (Firecracker, xl). Under the machine's
/// lock it checks that the record still names its parent as the live supervisor, writes its own
/// identity (pid and start time) to vmm.pid, and then execs the VMM, which keeps that pid and start
/// time. So a supervisor killed at any moment after the fork leaves a VMM that its pid file names
/// exactly (no command-line guessing; a reused pid has another start time).
///
/// Why this and not the alternatives: the supervisor writing the pid after the fork leaves a
/// window (killed between fork and write) with a VMM nobody can find; asking the API socket for
/// its server (SO_PEERCRED) leaves the window between the fork and Firecracker's bind. Here the
/// window is closed by the lock: kraft ps / stop decide that a machine whose supervisor is dead
/// has exited only under that same lock, after looking at the pid file once more
/// (<see cref="MachineController.Observe"/>); a launcher that comes later finds its supervisor dead
/// (and the record ended) and starts nothing. Either the pid file is there first, or no VMM ever runs.
/// </summary>
public static partial class VmmLauncher
{
    /// <summary>The hidden command's name (first argument of kraft).</summary>
    public const string Command = "__vmm";

    /// <summary>The exit status when the launcher refuses to start the VMM (supervisor gone, machine removed).</summary>
    public const int Refused = 125;

    public static bool IsInvocation(string[] args) => args.Length > 0 && args[0] == Command;

    /// <summary>The launcher's command line (after the kraft binary) for <paramref name="program"/> in <paramref name="files"/>' machine. Pure.</summary>
    public static List<string> Wrap(MachineFiles files, string program, IEnumerable<string> args)
    {
        var argv = new List<string> { Command, files.Dir, "--", program };
        argv.AddRange(args);
        return argv;
    }

    /// <summary>
    /// The identity a launcher wrote ("PID STARTTICKS"), when that very process still runs; null for
    /// no file, a dead or reused pid, or a file in another format (QEMU's own pid file holds the pid only).
    /// </summary>
    public static ProcessIdentity? Recorded(MachineFiles files)
    {
        string text;
        try { text = File.ReadAllText(files.PidFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var fields = text.Trim().Split(' ');
        if (fields.Length != 2
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            return null;
        var id = new ProcessIdentity(pid, ticks);
        return id.IsAlive() ? id : null;
    }

    /// <summary>The launcher itself; returns only when it does not exec the VMM.</summary>
    public static int Run(string[] args)
    {
        if (args is not [Command, var dir, "--", var program, ..])
        {
            WriteError($"kraft {Command}: usage: kraft {Command} MACHINE-DIR -- PROGRAM ARGS... (internal; a machine's supervisor starts it)");
            return 2;
        }
        try
        {
            if (Why(dir) is { } refused)
            {
                WriteError($"kraft: not starting {program}: {refused}");
                return Refused;
            }
        }
        catch (Exception e) when (e is KraftException or IOException or UnauthorizedAccessException)
        {
            WriteError($"kraft: not starting {program}: {e.Message}");
            return Refused;
        }
        Exec(program, args.AsSpan(3));
        return 127;
    }

    /// <summary>Null after recording this process as the machine's VMM; otherwise why the VMM must not start.</summary>
    static string? Why(string dir)
    {
        var full = Path.GetFullPath(dir);
        var machines = Path.GetDirectoryName(full) ?? throw new IOException($"{dir} is not a machine folder");
        var store = new MachineStore(Path.GetDirectoryName(machines) ?? machines);
        if (store.MachinesDir != machines || store.TryGet(Path.GetFileName(full)) is not { } m) return $"there is no machine in {dir}";
        using var held = store.Lock(m, TimeSpan.FromSeconds(10));
        if (held is null || store.Refresh(m) is not { } now) return "the machine was removed";
        var parent = LibC.GetPpid();
        if (!now.Status.State.IsLive() || now.Status.Supervisor is not { } sup || sup.Pid != parent || !sup.IsAlive())
            return "the process that started it no longer supervises the machine";
        var self = ProcessIdentities.Self;
        AtomicFile.WriteAllText(m.Files.PidFile, $"{self.Pid} {self.StartTicks}\n", durable: false);
        return null;
    }

    /// <summary>Becomes <paramref name="program"/> (searched on PATH as execvp does), as a freshly started child would be.</summary>
    static unsafe void Exec(string program, ReadOnlySpan<string> argv)
    {
        // The runtime ignores SIGPIPE and may block signals; a VMM started by Process.Start gets neither.
        _ = Signal(SIGPIPE, 0 /* SIG_DFL */);
        var empty = stackalloc byte[128];
        new Span<byte>(empty, 128).Clear();
        _ = PthreadSigmask(2 /* SIG_SETMASK */, empty, null);
        var pointers = new nint[argv.Length + 1];
        for (var i = 0; i < argv.Length; i++) pointers[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
        _ = Execvp(program, pointers);
        WriteError($"kraft: could not start '{program}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    static void WriteError(string line) => LibC.WriteErrorLine(line);

    const string Libc = LibC.Name;
    const int SIGPIPE = 13;

    [LibraryImport(Libc, EntryPoint = "execvp", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execvp(string file, nint[] argv);

    [LibraryImport(Libc, EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport(Libc, EntryPoint = "pthread_sigmask")]
    private static unsafe partial int PthreadSigmask(int how, byte* set, byte* old);
}
