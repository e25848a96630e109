namespace Kraft.Packages.Config;

/// <summary>
/// Finds and reads the user's configuration: KraftKit's <c>config.yaml</c>, then pykraft's
/// <c>.kraftrc</c>, then <c>KRAFTKIT_*</c> variables (shared/reference/formats.md §2).
/// Reading never writes: a missing file is simply an empty one (KraftKit creates it; kraft
/// only writes when asked to, by <c>kraft pkg source</c>).
/// </summary>
public static class UserConfigLoader
{
    /// <summary>Reads the configuration for this process's environment (or <paramref name="env"/>, for tests).</summary>
    public static UserConfig Load(IReadOnlyDictionary<string, string?>? env = null)
    {
        var paths = ConfigPaths.From(env);
        var configFile = paths.ConfigFile;
        var yaml = File.Exists(configFile) ? ReadFile(configFile, ConfigYamlReader.Read) : new ConfigYamlFile();
        var kraftrcFile = File.Exists(paths.KraftrcFile) ? paths.KraftrcFile : null;
        var rc = kraftrcFile is not null ? ReadFile(kraftrcFile, KraftrcReader.Read) : new KraftrcFile();

        var sources = new List<ConfiguredSource>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in yaml.Manifests)
            if (seen.Add(m.Value))
                sources.Add(new ConfiguredSource(Kraft.Host.Secrets.StripUserInfo(m.Value), $"{configFile}:{m.Line}"));
        foreach (var o in rc.Origins)
            if (seen.Add(o.Value))
                sources.Add(new ConfiguredSource(Kraft.Host.Secrets.StripUserInfo(o.Value), $"{kraftrcFile}:{o.Line}"));
        if (sources.Count == 0)
            sources.Add(new ConfiguredSource(UserConfig.DefaultIndex, "default"));

        var auth = yaml.Auth;
        // Every token the configuration holds is hidden from everything kraft prints (Secrets.Redact).
        foreach (var entry in auth.Values) Kraft.Host.Secrets.Register(entry.Token);
        var token = paths.Get("GITHUB_TOKEN") is { Length: > 0 } t ? t
            : paths.Get("UK_KRAFT_GITHUB_TOKEN") is { Length: > 0 } u ? u
            : auth.TryGetValue("github.com", out var gh) && gh.Token is { Length: > 0 } g ? g
            : null;

        return new UserConfig
        {
            ConfigFile = configFile,
            KraftrcFile = kraftrcFile,
            Sources = sources,
            ManifestsDir = paths.Get("KRAFTKIT_PATHS_MANIFESTS") is { Length: > 0 } me ? me
                : yaml.PathsManifests is { Length: > 0 } mf ? paths.Resolve(mf)
                : Path.Combine(paths.DataDir, "manifests"),
            SourcesDir = paths.Get("KRAFTKIT_PATHS_SOURCES") is { Length: > 0 } se ? se
                : yaml.PathsSources is { Length: > 0 } sf ? paths.Resolve(sf)
                : Path.Combine(paths.DataDir, "sources"),
            Auth = auth,
            Mirrors = yaml.Mirrors.Concat(rc.Mirrors).Select(m => Kraft.Host.Secrets.StripUserInfo(m.Value)).Distinct(StringComparer.Ordinal).ToList(),
            PrioritizeOrigin = rc.PrioritizeOrigin ?? false,
            NoParallel = paths.Bool("KRAFTKIT_NO_PARALLEL") ?? yaml.NoParallel ?? false,
            Offline = paths.Bool("KRAFTKIT_OFFLINE") ?? false,
            GitHubToken = Registered(token),
            DefaultPlat = yaml.DefaultPlat is { Length: > 0 } p ? p : rc.Platform,
            DefaultArch = yaml.DefaultArch is { Length: > 0 } a ? a : rc.Architecture,
        };
    }

    static string? Registered(string? secret)
    {
        Kraft.Host.Secrets.Register(secret);
        return secret;
    }

    static T ReadFile<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Kraft.Host.IoErrors.Wrap(e, "read", path, "check that the file is readable by you");
        }
    }
}

/// <summary>Where the configuration lives for an environment (the process's, or a dictionary in tests).</summary>
public sealed class ConfigPaths
{
    readonly IReadOnlyDictionary<string, string?>? _env;

    ConfigPaths(IReadOnlyDictionary<string, string?>? env)
    {
        _env = env;
        Home = Get("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        ConfigDir = Get("KRAFTKIT_CONFIG_DIR") is { Length: > 0 } c ? c
            : Get("XDG_CONFIG_HOME") is { Length: > 0 } x ? Path.Combine(x, "kraftkit")
            : Path.Combine(Home, ".config", "kraftkit");
        DataDir = Get("XDG_DATA_HOME") is { Length: > 0 } d ? Path.Combine(d, "kraftkit") : Path.Combine(Home, ".local", "share", "kraftkit");
        KraftrcFile = Get("KRAFTRC") is { Length: > 0 } rc ? rc : Path.Combine(Home, ".kraftrc");
    }

    public static ConfigPaths From(IReadOnlyDictionary<string, string?>? env = null) => new(env);

    public string Home { get; }
    /// <summary>$KRAFTKIT_CONFIG_DIR, else $XDG_CONFIG_HOME/kraftkit, else ~/.config/kraftkit.</summary>
    public string ConfigDir { get; }
    public string ConfigFile => Path.Combine(ConfigDir, "config.yaml");
    /// <summary>$XDG_DATA_HOME/kraftkit, else ~/.local/share/kraftkit.</summary>
    public string DataDir { get; }
    /// <summary>$KRAFTRC, else ~/.kraftrc.</summary>
    public string KraftrcFile { get; }

    public string? Get(string name) => _env is not null ? _env.GetValueOrDefault(name) : Environment.GetEnvironmentVariable(name);

    /// <summary>A boolean variable (1/0, true/false, yes/no, on/off); null when unset or empty.</summary>
    public bool? Bool(string name)
    {
        var v = Get(name);
        if (string.IsNullOrWhiteSpace(v))
            return null;
        return v.Trim().ToLowerInvariant() switch
        {
            "1" or "t" or "true" or "yes" or "y" or "on" => true,
            "0" or "f" or "false" or "no" or "n" or "off" => false,
            _ => throw new KraftException($"{name}={v} is not a boolean", hint: $"set {name} to 1 or 0 (true or false), or unset it"),
        };
    }

    /// <summary>A path from config.yaml: <c>~/</c> is the home directory; a relative path is relative to the config directory.</summary>
    public string Resolve(string path)
    {
        if (path == "~")
            return Home;
        if (path.StartsWith("~/", StringComparison.Ordinal))
            return Path.Combine(Home, path[2..]);
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(ConfigDir, path));
    }
}
