namespace Kraft.Machines;

/// <summary>Finds and kills a process's descendants through /proc (Linux).</summary>
internal static class ProcessTree
{
    /// <summary>All live descendants of <paramref name="root"/>, children before grandchildren.</summary>
    public static List<int> Descendants(int root)
    {
        var parentOf = new Dictionary<int, int>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
                    var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (rest.Length > 1 && int.TryParse(rest[1], out var ppid)) parentOf[pid] = ppid;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }

        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            var p = frontier.Dequeue();
            foreach (var (child, parent) in parentOf)
                if (parent == p && !result.Contains(child))
                {
                    result.Add(child);
                    frontier.Enqueue(child);
                }
        }
        return result;
    }

    /// <summary>SIGKILLs every pid in <paramref name="pids"/> that still exists.</summary>
    public static void KillAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
            _ = Native.Kill(pid, 9);
    }
}
