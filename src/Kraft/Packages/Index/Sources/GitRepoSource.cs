using System.Text.RegularExpressions;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// A git repository as a source of one component (https, http, ssh://, git@host:path, file://,
/// a local bare repository or checkout). One <c>git ls-remote --symref</c> lists it: branches
/// become channels (the default is <c>stable</c>, else the remote's HEAD branch), tags become
/// versions (a <c>RELEASE-x.y.z</c> tag also carries <c>unikraft: x.y.z</c>), each with its commit.
/// The name and type come from the repository's base name (lib-lwip.git ⇒ lib/lwip, unikraft ⇒
/// core); a repository named otherwise can be named after a '#': <c>/srv/mirror/repo#unikraft</c>.
/// </summary>
public sealed partial class GitRepoSource(string location, SourceContext context) : IManifestSource
{
    public string Location { get; } = location;
    public string Kind => "git";

    public async Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel)
    {
        var where = GitLocation.Parse(Location);
        // git runs as a child process; keep the caller's thread free while it does.
        var (manifest, _) = await Task.Factory.StartNew(() => GitRemoteLister.List(context, where, null, expanded: false, cancel),
            cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        return manifest is null ? [] : [manifest];
    }

    /// <summary>
    /// True for a location that can only be a git repository, without touching the network:
    /// ssh://, git://, git+ssh://, ssh+git:// and file:// URLs, scp-like <c>git@host:owner/repo</c>,
    /// anything ending in <c>.git</c>, a local bare repository, and http(s) URLs of a well-known
    /// forge (github.com, gitlab.com, codeberg.org, bitbucket.org) naming exactly owner/repo.
    /// Other http(s) URLs may be an index or a manifest, so they give false; a local checkout
    /// (a directory with .git) also gives false, as it may be meant as a directory source:
    /// write it as file:///path to list it as a git repository.
    /// A GitHub wildcard (https://github.com/unikraft/lib-*) gives false: see <see cref="GitHubOrgSource.IsWildcard"/>.
    /// </summary>
    public static bool LooksLikeGit(string location)
    {
        var text = StripNameFragment(location.Trim());
        if (text.Length == 0 || text.IndexOfAny(['*', '?', '[']) >= 0) return false;
        if (HasScheme(text))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return false;
            switch (uri.Scheme)
            {
                case "ssh" or "git" or "git+ssh" or "ssh+git" or "file":
                    return true;
                case "http" or "https":
                    var path = uri.AbsolutePath.TrimEnd('/');
                    if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) return true;
                    var host = uri.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? uri.Host[4..] : uri.Host;
                    return KnownForges.Contains(host) && path.Trim('/').Split('/').Length == 2 && uri.Query.Length == 0;
                default:
                    return false;
            }
        }
        if (IsScpLike(text)) return true;
        if (text.TrimEnd('/').EndsWith(".git", StringComparison.OrdinalIgnoreCase)) return true;
        return SourceClassifier.IsBareRepository(text);
    }

    /// <summary>A local directory that git can list: a bare repository or a checkout (with .git).</summary>
    public static bool IsLocalRepository(string path) =>
        Directory.Exists(path) && (SourceClassifier.IsBareRepository(path) || Path.Exists(Path.Combine(path, ".git")));


    static readonly HashSet<string> KnownForges = new(StringComparer.OrdinalIgnoreCase)
        { "github.com", "gitlab.com", "codeberg.org", "bitbucket.org" };

    /// <summary>scheme://... (any scheme).</summary>
    internal static bool HasScheme(string text) => Scheme().IsMatch(text);

    /// <summary>git's scp-like form: user@host:path (no scheme).</summary>
    internal static bool IsScpLike(string text) => !HasScheme(text) && ScpLike().IsMatch(text);

    static string StripNameFragment(string text)
    {
        var hash = text.LastIndexOf('#');
        return hash > 0 && !Directory.Exists(text) ? text[..hash] : text;
    }

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.\-]*://")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^[\w.\-]+@[\w.\-]+:")]
    private static partial Regex ScpLike();
}
