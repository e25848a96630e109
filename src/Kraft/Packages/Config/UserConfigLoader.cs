namespace Kraft.Packages.Config;

/// <summary>
/// Finds and reads the user's configuration. (Skeleton: only paths and environment so far;
/// config.yaml and .kraftrc reading replaces this.)
/// </summary>
public static class UserConfigLoader
{
    /// <summary>Reads the configuration for this process's environment (or <paramref name="env"/>, for tests).</summary>
    public static UserConfig Load(IReadOnlyDictionary<string, string?>? env = null)
    {
        string? Get(string k) => env is not null ? env.GetValueOrDefault(k) : Environment.GetEnvironmentVariable(k);
        var home = Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var configDir = Get("KRAFTKIT_CONFIG_DIR") is { Length: > 0 } c ? c
            : Get("XDG_CONFIG_HOME") is { Length: > 0 } x ? Path.Combine(x, "kraftkit")
            : Path.Combine(home, ".config", "kraftkit");
        var dataDir = Get("XDG_DATA_HOME") is { Length: > 0 } d ? Path.Combine(d, "kraftkit") : Path.Combine(home, ".local", "share", "kraftkit");
        return new UserConfig
        {
            ConfigFile = Path.Combine(configDir, "config.yaml"),
            ManifestsDir = Get("KRAFTKIT_PATHS_MANIFESTS") is { Length: > 0 } m ? m : Path.Combine(dataDir, "manifests"),
            SourcesDir = Get("KRAFTKIT_PATHS_SOURCES") is { Length: > 0 } s ? s : Path.Combine(dataDir, "sources"),
            Sources = [new ConfiguredSource(UserConfig.DefaultIndex, "default")],
            Offline = Get("KRAFTKIT_OFFLINE") is "1" or "true",
            GitHubToken = Get("GITHUB_TOKEN") is { Length: > 0 } t ? t : null,
        };
    }
}
