namespace Kraft.Host;

/// <summary>Finds host programs on PATH, and says how to install the ones that are missing.</summary>
public static class ToolLocator
{
    /// <summary>Debian packages that provide the tools kraft drives.</summary>
    static readonly Dictionary<string, string> DebianPackage = new()
    {
        ["make"] = "make",
        ["gcc"] = "gcc",
        ["git"] = "git",
        ["flex"] = "flex",
        ["bison"] = "bison",
        ["python3"] = "python3",
        ["qemu-system-x86_64"] = "qemu-system-x86",
        ["qemu-system-aarch64"] = "qemu-system-arm",
        ["qemu-system-arm"] = "qemu-system-arm",
        ["aarch64-linux-gnu-gcc"] = "gcc-aarch64-linux-gnu",
        ["wget"] = "wget",
    };

    public static string? Find(string name)
    {
        if (name.Contains('/'))
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && IsExecutable(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The full path of <paramref name="name"/>, or a <see cref="KraftException"/> saying how to install it.</summary>
    public static string Require(string name, string purpose)
    {
        var found = Find(name);
        if (found is not null) return found;
        var hint = DebianPackage.TryGetValue(name, out var pkg)
            ? $"install it with: sudo apt-get install -y {pkg}   (or run ./install.sh)"
            : $"install {name} and make sure it is on PATH";
        throw new KraftException($"'{name}' was not found on PATH; it is needed {purpose}", hint: hint);
    }

    static bool IsExecutable(string path)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException) { return false; }
    }
}
