namespace Kraft.Host;

/// <summary>
/// KraftKit's runtime directory, where machines, networks and volumes are kept:
/// $KRAFTKIT_RUNTIME_DIR, else $XDG_DATA_HOME/kraftkit/runtime, else ~/.local/share/kraftkit/runtime.
/// </summary>
public static class RuntimeDirectory
{
    public static string Resolve(string? explicitDir = null)
    {
        if (!string.IsNullOrEmpty(explicitDir)) return Path.GetFullPath(explicitDir);
        if (Environment.GetEnvironmentVariable("KRAFTKIT_RUNTIME_DIR") is { Length: > 0 } env) return Path.GetFullPath(env);
        var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } x
            ? Path.Combine(x, "kraftkit")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "kraftkit");
        return Path.Combine(data, "runtime");
    }
}
