using System.Globalization;
using System.Text.RegularExpressions;

namespace Kraft.Host;

/// <summary>
/// Names of temporary files and folders: <c>.STEM.KIND-PID-START-RANDOM</c>. The pid and its start
/// time (clock ticks since boot, from /proc) let a later run recognise, safely, a temporary whose
/// owner died (kill -9, a power cut) and remove it; the random part keeps two processes (and two
/// threads) from ever sharing a name.
/// </summary>
public static partial class TempName
{
    /// <summary>The kinds kraft creates: files being written, clones, extractions, downloads.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["tmp", "clone", "extract", "download"];

    static readonly Lazy<long> OwnStart = new(() => StartTime(Environment.ProcessId) ?? 0);

    /// <summary>A fresh name in <paramref name="dir"/> for <paramref name="stem"/> (may be empty).</summary>
    public static string In(string dir, string stem, string kind) =>
        Path.Combine(dir, $".{(stem.Length > 0 ? stem + "." : "")}{kind}-{Environment.ProcessId}-{OwnStart.Value}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}");

    /// <summary>A fresh name beside <paramref name="target"/>, so a later rename stays on one filesystem.</summary>
    public static string Beside(string target, string kind = "tmp")
    {
        var full = Path.GetFullPath(target);
        return In(Path.GetDirectoryName(full)!, Path.GetFileName(full), kind);
    }

    [GeneratedRegex(@"^\.(?:.*\.)?(?:tmp|clone|extract|download)-(\d{1,10})-(\d{1,20})-[0-9a-f]{16}$")]
    private static partial Regex Pattern();

    /// <summary>Whether <paramref name="name"/> is one of kraft's temporaries and its owner is no longer running.</summary>
    public static bool IsStale(string name)
    {
        var m = Pattern().Match(Path.GetFileName(name));
        if (!m.Success
            || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return false;
        // Alive with the same start time: the owner (or the owner is us). A reused pid has another start time.
        return StartTime(pid) != start;
    }

    /// <summary>Removes the stale temporaries directly in <paramref name="dir"/> (files and trees); returns how many.</summary>
    public static int CleanStale(string dir)
    {
        var removed = 0;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir, ".*"))
            {
                if (!IsStale(entry)) continue;
                try
                {
                    if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
                        Directory.Delete(entry, recursive: true);
                    else
                        File.Delete(entry);
                    removed++;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when there is no such process.</summary>
    internal static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
