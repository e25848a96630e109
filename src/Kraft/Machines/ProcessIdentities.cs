using System.Globalization;

namespace Kraft.Machines;

/// <summary>Reads process identities from /proc, so that a reused pid is never taken for the process we started.</summary>
public static class ProcessIdentities
{
    /// <summary>The identity of the live process <paramref name="pid"/>, or null when there is none (or it is a zombie).</summary>
    public static ProcessIdentity? Of(int pid)
    {
        if (pid <= 0) return null;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // "pid (comm) state ppid ... starttime(22) ..."; comm may hold spaces and parentheses.
        var close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields.Length < 20 || fields[0] is "Z" or "X") return null;
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    /// <summary>This process.</summary>
    public static ProcessIdentity Self => Of(Environment.ProcessId) ?? new ProcessIdentity(Environment.ProcessId, 0);

    /// <summary>Whether the very process <paramref name="id"/> names is still alive (same pid, same start time).</summary>
    public static bool IsAlive(this ProcessIdentity id) => Of(id.Pid) is { } now && now.StartTicks == id.StartTicks;

    /// <summary>The process's command line (NUL-separated in /proc), or null when unreadable.</summary>
    public static string? CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
