using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// A GitHub organisation wildcard such as <c>https://github.com/unikraft/lib-*</c> (also
/// <c>git@github.com:unikraft/lib-*</c>, which lists the repositories by their ssh URLs). The
/// organisation's repositories come from the GitHub REST API (paged, with GITHUB_TOKEN or the
/// github.com auth entry as a bearer token); the names matching the glob (<c>*</c>, <c>?</c>,
/// <c>[...]</c>) are each listed like a <see cref="GitRepoSource"/>, several at a time, with the
/// description GitHub has for them. Repositories whose names give no component type
/// (docs, .github, kraftkit) and empty ones are skipped and noted in <see cref="Skipped"/>.
/// Without a wildcard the location is a single repository and is listed with git alone.
/// </summary>
public sealed partial class GitHubOrgSource(string location, SourceContext context) : IManifestSource
{
    /// <summary>How many repositories are listed with git at the same time.</summary>
    public const int Concurrency = 8;

    public string Location { get; } = location;
    public string Kind => "github";

    readonly ConcurrentQueue<string> _skipped = new();
    /// <summary>"lib-foo: why" for every matching repository left out by the last listing.</summary>
    public IReadOnlyList<string> Skipped => [.. _skipped];

    /// <summary>
    /// True for a GitHub location whose repository part is a glob (https://github.com/ORG/lib-*,
    /// git@github.com:ORG/app-?*): a source that needs the REST API. A plain repository URL gives false.
    /// </summary>
    public static bool IsWildcard(string location) =>
        TryParse(location, out _, out var pattern, out _) && pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>Splits a GitHub location into owner and repository (or pattern); ssh tells whether it was an ssh form.</summary>
    public static bool TryParse(string location, out string owner, out string repo, out bool ssh)
    {
        owner = repo = ""; ssh = false;
        var m = Shape().Match(location.Trim());
        if (!m.Success) return false;
        owner = m.Groups["owner"].Value;
        repo = m.Groups["repo"].Value;
        if (repo.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) repo = repo[..^4];
        ssh = m.Groups["ssh"].Success;
        return repo.Length > 0;
    }

    [GeneratedRegex(@"^(?:(?:https?://)(?:www\.)?github\.com/|(?<ssh>git@github\.com:|ssh://git@github\.com/))(?<owner>[A-Za-z0-9][A-Za-z0-9\-]*)/(?<repo>[^/\s#]+?)/?$", RegexOptions.IgnoreCase)]
    private static partial Regex Shape();

    public async Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel)
    {
        _skipped.Clear();
        if (!TryParse(Location, out var owner, out var pattern, out var ssh))
            throw new KraftException($"'{GitLocation.Redact(Location)}' is not a GitHub repository or wildcard",
                hint: "write it as https://github.com/OWNER/REPO or https://github.com/OWNER/lib-*");
        if (!IsWildcard(Location))
            return await new GitRepoSource(Location, context).ListAsync(cancel).ConfigureAwait(false);

        var repositories = await new GitHubApi(context).ListRepositoriesAsync(owner, cancel).ConfigureAwait(false);
        var glob = Glob(pattern);
        var matches = repositories.Where(r => glob.IsMatch(r.Name))
            .GroupBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.First()) // pages can overlap while an org changes
            .OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        if (matches.Count == 0)
            throw new KraftException($"no repository of github.com/{owner} matches '{pattern}' (the organisation has {repositories.Count})",
                hint: "check the pattern: it is matched against repository names, e.g. lib-* or app-*");

        var results = new (Manifest? Manifest, string? Error)[matches.Count];
        var next = -1;
        void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < matches.Count)
            {
                cancel.ThrowIfCancellationRequested();
                var repo = matches[i];
                try
                {
                    var url = (ssh ? repo.SshUrl : repo.CloneUrl) ?? repo.CloneUrl
                        ?? throw new KraftException($"the GitHub API gave no clone URL for {repo.Name}");
                    // The name GitHub gives the repository says what it is (its URL might not).
                    var where = GitLocation.Parse(url) with { NameOverride = repo.Name };
                    var (manifest, skip) = GitRemoteLister.List(context, where, Describe(repo), expanded: true, cancel);
                    if (skip is not null)
                    {
                        _skipped.Enqueue($"{repo.Name}: {skip.Reason}");
                        context.Reporter.Info($"skipping {owner}/{repo.Name}: {skip.Reason}");
                    }
                    results[i] = (manifest, null);
                }
                catch (KraftException e)
                {
                    results[i] = (null, e.Hint is null ? e.Message : $"{e.Message} ({e.Hint})");
                }
            }
        }
        // git runs as child processes: dedicated threads, so the thread pool is not starved while they run.
        var workers = Math.Min(context.Config.NoParallel ? 1 : Concurrency, matches.Count);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ =>
            Task.Factory.StartNew(Work, cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default))).ConfigureAwait(false);

        var listed = results.Where(r => r.Manifest is not null).Select(r => r.Manifest!).ToList();
        var failures = matches.Select((r, i) => (r.Name, results[i].Error)).Where(f => f.Error is not null)
            .Select(f => new GitHubRepositoryFailure(f.Name, f.Error!)).ToList();
        // One repository that cannot be listed must neither vanish silently nor drop the others.
        // The source therefore fails (so `kraft pkg update` names it and exits non-zero), naming
        // each failing repository with git's reason, and the exception carries what was listed:
        // an updater that knows GitHubPartialListingException keeps those fresh components, one
        // that does not keeps the source's previous listing. Neither loses a component quietly.
        if (failures.Count > 0)
            throw new GitHubPartialListingException(owner, pattern, matches.Count, listed, failures);
        return listed;
    }

    /// <summary>GitHub's description; an archived repository is still listed (old projects and lockfiles may pin it) but says so.</summary>
    static string? Describe(GitHubRepository repo)
    {
        var description = string.IsNullOrWhiteSpace(repo.Description) ? null : repo.Description.Trim();
        if (!repo.Archived) return description;
        return description is null ? "(archived)" : $"(archived) {description}";
    }

    /// <summary>fnmatch-style glob: * any run, ? one character, [abc]/[!abc] a set; case-insensitive like GitHub names.</summary>
    internal static Regex Glob(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[' when pattern.IndexOf(']', i + 1) is var close and > 0:
                    var set = pattern[(i + 1)..close];
                    var negate = set.StartsWith('!') || set.StartsWith('^');
                    if (negate) set = set[1..];
                    sb.Append(negate ? "[^" : "[").Append(set.Replace("\\", "\\\\").Replace("]", "\\]")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}

/// <summary>A repository of a GitHub wildcard that could not be listed, and git's reason.</summary>
public sealed record GitHubRepositoryFailure(string Repository, string Error);

/// <summary>
/// Some repositories of a GitHub wildcard could not be listed. The source counts as failed (its
/// message names each failing repository), and <see cref="Listed"/> holds the components of the
/// repositories that were listed, for an updater that wants to keep them.
/// </summary>
public sealed class GitHubPartialListingException(string owner, string pattern, int matched, IReadOnlyList<Manifest> listed,
    IReadOnlyList<GitHubRepositoryFailure> failures)
    : KraftException(
        $"{failures.Count} of {matched} repositories of github.com/{owner} matching '{pattern}' could not be listed: "
        + string.Join("; ", failures.Take(MaxNamed).Select(f => $"{f.Repository}: {f.Error}"))
        + (failures.Count > MaxNamed ? $"; and {failures.Count - MaxNamed} more ({string.Join(", ", failures.Skip(MaxNamed).Select(f => f.Repository))})" : ""),
        hint: listed.Count > 0 ? $"the other {listed.Count} were listed; fix or wait for the failing ones and run kraft pkg update again" : null)
{
    const int MaxNamed = 10; // with their reasons; the rest by name only
    public IReadOnlyList<Manifest> Listed { get; } = listed;
    public IReadOnlyList<GitHubRepositoryFailure> Failures { get; } = failures;
}
