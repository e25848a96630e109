namespace Kraft.Packages.Config;

/// <summary>
/// The user's settings that kraft's package commands need, merged from KraftKit's
/// <c>config.yaml</c>, the older pykraft <c>~/.kraftrc</c> and <c>KRAFTKIT_*</c> variables
/// (shared/reference/formats.md §2).
/// </summary>
public sealed record UserConfig
{
    /// <summary>The config.yaml that was read (or would be written by <c>kraft pkg source</c>).</summary>
    public required string ConfigFile { get; init; }
    /// <summary>The .kraftrc that was read, if there was one.</summary>
    public string? KraftrcFile { get; init; }
    /// <summary>Where components are listed from, in order; the first source offering a component wins.</summary>
    public IReadOnlyList<ConfiguredSource> Sources { get; init; } = [];
    /// <summary>The index cache (KraftKit's paths.manifests).</summary>
    public required string ManifestsDir { get; init; }
    /// <summary>Downloaded archives and git mirrors (KraftKit's paths.sources).</summary>
    public required string SourcesDir { get; init; }
    /// <summary>Credentials per host name (github.com, a registry, a private git server).</summary>
    public IReadOnlyDictionary<string, HostAuth> Auth { get; init; } = new Dictionary<string, HostAuth>();
    /// <summary>Mirrors to try for archives before their origin (.kraftrc [fetch] mirrors, unikraft.mirrors).</summary>
    public IReadOnlyList<string> Mirrors { get; init; } = [];
    /// <summary>Try a library's own URL before the mirrors (.kraftrc [fetch] prioritize_origin).</summary>
    public bool PrioritizeOrigin { get; init; }
    /// <summary>Refresh sources one at a time (no_parallel).</summary>
    public bool NoParallel { get; init; }
    /// <summary>Use only what is cached; fail at once when something is missing (--offline, KRAFTKIT_OFFLINE=1).</summary>
    public bool Offline { get; init; }
    /// <summary>Token for the GitHub API: GITHUB_TOKEN, else pykraft's UK_KRAFT_GITHUB_TOKEN, else auth["github.com"].token.</summary>
    public string? GitHubToken { get; init; }
    /// <summary>Defaults for targets when a command needs one (config.yaml default_plat/default_arch, else .kraftrc [configure], kvm read as qemu).</summary>
    public string? DefaultPlat { get; init; }
    public string? DefaultArch { get; init; }

    /// <summary>An HTTP client that sends this configuration's credentials to their hosts.</summary>
    public Kraft.Host.HttpFetcher CreateHttpFetcher() => new(Auth.ToDictionary(
        kv => kv.Key, kv => new Kraft.Host.HttpCredentials(kv.Value.User, kv.Value.Token, kv.Value.VerifySsl), StringComparer.OrdinalIgnoreCase));

    /// <summary>The index KraftKit uses when no source is configured.</summary>
    public const string DefaultIndex = "https://manifests.kraftkit.sh/index.yaml";
}

/// <summary>One source entry and the file (and line) it came from, for listings and error messages.</summary>
public sealed record ConfiguredSource(string Location, string From);

/// <summary>Credentials for one host (config.yaml <c>auth</c> map).</summary>
public sealed record HostAuth
{
    public string? User { get; init; }
    public string? Token { get; init; }
    public string? Endpoint { get; init; }
    public bool VerifySsl { get; init; } = true;

    /// <summary>The entry for <paramref name="host"/>: keys are host names, or URLs whose host is taken (case-insensitive).</summary>
    public static HostAuth? Find(IReadOnlyDictionary<string, HostAuth> auth, string host)
    {
        foreach (var (key, value) in auth)
        {
            var k = key.Trim();
            if (k.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(k, UriKind.Absolute, out var u)) k = u.Host;
            if (string.Equals(k.TrimEnd('/'), host, StringComparison.OrdinalIgnoreCase)) return value;
        }
        return null;
    }
}
