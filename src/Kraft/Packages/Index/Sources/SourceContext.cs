using Kraft.Host;
using Kraft.Packages.Config;

namespace Kraft.Packages.Index.Sources;

/// <summary>What every source needs to list its components: the configuration, HTTP, git and a reporter.</summary>
public sealed class SourceContext(UserConfig config, HttpFetcher http, IReporter reporter)
{
    public UserConfig Config { get; } = config;
    public HttpFetcher Http { get; } = http;
    public IReporter Reporter { get; } = reporter;
    Git? _git;
    public Git Git => _git ??= new Git(Config.Auth);

    /// <summary>The GitHub REST API (KRAFT_GITHUB_API_URL moves it, e.g. to a test server on loopback).</summary>
    public string GitHubApiUrl { get; init; } =
        (Environment.GetEnvironmentVariable("KRAFT_GITHUB_API_URL") is { Length: > 0 } u ? u : "https://api.github.com").TrimEnd('/');
}
