namespace Kraft.Host;

/// <summary>realpath(3)/readlink -f: an absolute path with every symbolic link resolved.</summary>
public static class RealPath
{
    public static string Of(string path)
    {
        var parts = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        int links = 0;
        while (parts.Count > 0)
        {
            var part = parts.Dequeue();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? "/"; continue; }
            var next = current == "/" ? "/" + part : current + "/" + part;
            FileSystemInfo info = new FileInfo(next);
            if (!info.Exists && Directory.Exists(next)) info = new DirectoryInfo(next);
            if (info.LinkTarget is { } target && links++ < 40)
            {
                var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                var rest = parts.ToList();
                parts = new Queue<string>(resolved.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                current = "/";
                continue;
            }
            current = next;
        }
        return current;
    }
}
