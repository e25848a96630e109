using System.Diagnostics;

namespace Kraft.Host;

/// <summary>
/// The light form of the guard, for many short commands (Kconfig's <c>$(shell,...)</c> probes: Linux
/// runs dozens, where one guard each would cost about 9 ms of start-up apiece). Each command starts in
/// a session of its own (util-linux <c>setsid</c>, which execs in place, so its pid is its process
/// group) and its pid is handed to one reaper per kraft process (<c>kraft __reaper</c>, started on
/// first use). The reaper reads pids from a pipe only kraft holds; when the pipe ends (kraft exited or
/// was killed) it SIGKILLs every group still registered, the command and all it started.
/// </summary>
public static partial class ChildGuard
{
    /// <summary>The hidden command of the reaper.</summary>
    public const string ReaperCommand = "__reaper";

    static readonly object ReaperGate = new();
    static Process? reaper;
    static StreamWriter? reaperFeed;
    static readonly HashSet<int> Reaped = [];

    /// <summary>Whether kraft was started as the reaper.</summary>
    public static bool IsReaperInvocation(string[] args) => args is [ReaperCommand];

    /// <summary>
    /// Starts <paramref name="psi"/> (a command kraft runs to completion) in a session of its own,
    /// registered with the reaper, when kraft guards its children; directly otherwise.
    /// Call <see cref="Forget"/> once it has ended.
    /// </summary>
    public static void StartReaped(Process process)
    {
        var psi = process.StartInfo;
        if (Executable is null || ToolLocator.Find("setsid") is not { } setsid)
        {
            ChildProcesses.Start(process);
            return;
        }
        var file = psi.FileName;
        var args = psi.ArgumentList.ToList();
        psi.FileName = setsid;
        psi.ArgumentList.Clear();
        psi.ArgumentList.Add(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        lock (ReaperGate)
        {
            var feed = Feed();
            ChildProcesses.Start(process);
            if (feed is not null && Reaped.Add(process.Id)) Send(feed, "+" + process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Tells the reaper a command it was given has ended (its pid may be reused).</summary>
    public static void Forget(Process process)
    {
        lock (ReaperGate)
            if (reaperFeed is { } feed && Reaped.Remove(process.Id))
                Send(feed, "-" + process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    static void Send(StreamWriter feed, string line)
    {
        try { feed.WriteLine(line); feed.Flush(); }
        catch (IOException) { } // the reaper is gone: the command still runs and ends as usual
    }

    static StreamWriter? Feed()
    {
        if (reaperFeed is not null || Executable is null) return reaperFeed;
        var psi = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardInput = true };
        psi.ArgumentList.Add(ReaperCommand);
        reaper = new Process { StartInfo = psi };
        try { ChildProcesses.Start(reaper); }
        catch (System.ComponentModel.Win32Exception) { reaper = null; return null; }
        reaperFeed = reaper.StandardInput;
        return reaperFeed;
    }

    /// <summary>The reaper: <c>+PID</c> registers a group, <c>-PID</c> forgets it; at the end of input every group left is killed.</summary>
    public static int RunReaper()
    {
        // Out of kraft's group, so a Ctrl-C meant for kraft does not end it before it has done its job.
        _ = SetPgid(0, 0);
        var groups = new HashSet<int>();
        var stdin = new StreamReader(Console.OpenStandardInput());
        while (stdin.ReadLine() is { } line)
        {
            if (line.Length < 2 || !int.TryParse(line.AsSpan(1), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid <= 1) continue;
            if (line[0] == '+') groups.Add(pid); else groups.Remove(pid);
        }
        foreach (var pid in groups)
        {
            _ = Kill(-pid, SIGKILL);
            _ = Kill(pid, SIGKILL); // not yet a group of its own when setsid had not run
        }
        return 0;
    }
}
