using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Index.Sources;

namespace Kraft.Tests.Packages.Sources;

/// <summary>What the source tests share: a context on temp dirs, and real repositories with chosen names.</summary>
internal static class SourceTestKit
{
    public static SourceContext Context(TempDir home, string? gitHubToken = null, string? apiUrl = null,
        IReadOnlyDictionary<string, HostAuth>? auth = null, IReporter? reporter = null)
    {
        var config = new UserConfig
        {
            ConfigFile = home["config/config.yaml"],
            ManifestsDir = home["manifests"],
            SourcesDir = home["sources"],
            GitHubToken = gitHubToken,
            Auth = auth ?? new Dictionary<string, HostAuth>(),
        };
        var http = new HttpFetcher();
        var report = reporter ?? NullReporter.Instance;
        return apiUrl is null ? new SourceContext(config, http, report) : new SourceContext(config, http, report) { GitHubApiUrl = apiUrl };
    }

    /// <summary>A bare copy of <paramref name="work"/> at <paramref name="dir"/>/<paramref name="name"/> (e.g. lib-foo.git).</summary>
    public static string BareCopy(GitRepoFixture work, string dir, string name)
    {
        var target = Path.Combine(dir, name);
        Run(dir, "clone", "-q", "--bare", work.Path, target);
        return target;
    }

    /// <summary>An empty bare repository (no branch, no tag).</summary>
    public static string EmptyBare(string dir, string name)
    {
        var target = Path.Combine(dir, name);
        Run(dir, "init", "-q", "--bare", target);
        return target;
    }

    public static string Run(string dir, params string[] args)
    {
        var r = ProcessRunner.Run("git", args, dir);
        if (!r.Succeeded) throw new InvalidOperationException($"git {string.Join(' ', args)}: {r.CombinedOutput}");
        return r.StandardOutput.Trim();
    }

    /// <summary>
    /// A repository with main, stable, staging and feature branches, a lightweight tag v0.1.0, an
    /// annotated tag RELEASE-0.2.0 and a lightweight RELEASE-0.10.0; the commits are returned by name.
    /// </summary>
    public static Dictionary<string, string> Populate(GitRepoFixture repo)
    {
        var c = new Dictionary<string, string>();
        c["one"] = repo.Commit("Config.uk", "one", "one");
        repo.Git("tag", "v0.1.0");
        c["two"] = repo.Commit("Config.uk", "two", "two");
        repo.Git("tag", "-a", "-m", "release 0.2.0", "RELEASE-0.2.0");
        repo.Git("branch", "stable");
        c["three"] = repo.Commit("Config.uk", "three", "three");
        repo.Git("tag", "RELEASE-0.10.0");
        repo.Git("branch", "staging");
        c["four"] = repo.Commit("Config.uk", "four", "four");
        repo.Git("branch", "feature");
        c["five"] = repo.Commit("Config.uk", "five", "five");
        return c;
    }
}
