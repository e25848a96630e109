using Kraft.Host;

namespace Kraft.Packages.Fetching;

/// <summary>
/// Bare mirrors of git repositories under <c>git/</c> in the sources cache, one per URL. A mirror
/// is cloned once (into a temporary name, renamed when complete) and fetched again only when a
/// wanted commit or ref is missing, so a second project using the same component needs no network.
/// Commits fetched by hash are kept reachable under <c>refs/kraft/pins/</c>.
/// </summary>
public sealed class GitMirrorCache(SourcesCache cache, Func<Git> git, IReporter reporter)
{
    public string PathFor(string url) => Path.Combine(cache.GitDir, SourcesCache.Key(url) + ".git");

    public bool Exists(string url) => SourceClassifier.IsBareRepository(PathFor(url));

    /// <summary>The commit <paramref name="rev"/> names in the mirror of <paramref name="url"/>, or null (also when there is no mirror).</summary>
    public string? Resolve(string url, string rev, CancellationToken cancel)
    {
        if (!Exists(url)) return null;
        return git().ResolveCommit(PathFor(url), rev, cancel);
    }

    public bool HasCommit(string url, string commit, CancellationToken cancel) =>
        Exists(url) && git().Run(PathFor(url), cancel, "cat-file", "-e", commit + "^{commit}").Succeeded;

    /// <summary>Clones the mirror if it is missing, else fetches every branch and tag. Returns its path.</summary>
    public string Update(string url, CancellationToken cancel)
    {
        var path = PathFor(url);
        using var _ = cache.Lock(reporter, cancel);
        if (!SourceClassifier.IsBareRepository(path))
        {
            Directory.CreateDirectory(cache.GitDir);
            TempName.CleanStale(cache.GitDir); // partial clones of a kraft that was killed
            var tmp = TempName.In(cache.GitDir, Path.GetFileName(path), "clone");
            try
            {
                reporter.Info($"cloning {url}");
                git().Check(null, $"git clone of {url}", cancel, "clone", "--quiet", "--bare", url, tmp);
                ArchiveExtractor.DeleteTree(path);
                Directory.Move(tmp, path);
            }
            finally
            {
                ArchiveExtractor.DeleteTree(tmp);
            }
        }
        else
        {
            reporter.Info($"fetching {url}");
            git().Check(path, $"git fetch of {url}", cancel, "fetch", "--quiet", "--force", "--prune", url,
                "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");
        }
        return path;
    }

    /// <summary>Makes sure the mirror holds <paramref name="commit"/>: fetches the branches and tags, then the commit itself if it is on none.</summary>
    public string EnsureCommit(string url, string commit, CancellationToken cancel)
    {
        if (HasCommit(url, commit, cancel)) return PathFor(url);
        var path = Update(url, cancel);
        if (HasCommit(url, commit, cancel)) return path;
        if (VersionTextFull(commit))
        {
            using var _ = cache.Lock(reporter, cancel);
            var r = git().Run(path, cancel, "fetch", "--quiet", url, commit);
            if (r.Succeeded && HasCommit(url, commit, cancel))
            {
                git().Run(path, cancel, "update-ref", "refs/kraft/pins/" + commit, commit);
                return path;
            }
        }
        throw new KraftException($"commit {commit} does not exist in {url}",
            hint: "check the commit (a full or abbreviated hash of that repository)");
    }

    static bool VersionTextFull(string s) => Resolution.VersionText.IsFullCommit(s);

    /// <summary>git ls-remote: every ref of the remote and its commit (tags peeled), without fetching objects.</summary>
    public IReadOnlyDictionary<string, string> ListRemote(string url, CancellationToken cancel)
    {
        var output = git().Check(null, $"git ls-remote of {url}", cancel, "ls-remote", url);
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab < 0) continue;
            var sha = line[..tab].Trim();
            var name = line[(tab + 1)..].Trim();
            if (name.EndsWith("^{}", StringComparison.Ordinal)) refs[name[..^3]] = sha;
            else refs.TryAdd(name, sha);
        }
        return refs;
    }

    /// <summary>The mirrors in the cache and the URL each was cloned from.</summary>
    public IEnumerable<(string Path, string Url)> Entries(CancellationToken cancel)
    {
        if (!Directory.Exists(cache.GitDir)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(cache.GitDir, "*.git"))
        {
            var url = ReadOriginUrl(dir);
            if (url is not null) yield return (dir, url);
        }
    }

    /// <summary>remote.origin.url from a repository's config file, read without running git.</summary>
    static string? ReadOriginUrl(string bareRepo)
    {
        string[] lines;
        try { lines = File.ReadAllLines(Path.Combine(bareRepo, "config")); } catch (IOException) { return null; }
        var inOrigin = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith('[')) { inOrigin = line.Replace(" ", "") == "[remote\"origin\"]"; continue; }
            if (inOrigin && line.StartsWith("url", StringComparison.Ordinal) && line.IndexOf('=') is var eq and > 0)
                return line[(eq + 1)..].Trim();
        }
        return null;
    }
}
