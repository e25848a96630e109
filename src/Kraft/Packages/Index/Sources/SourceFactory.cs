using System.Text.RegularExpressions;
using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// Tells what kind of source a configured string is, in a fixed order (formats.md §1.4, made
/// explicit and without probing the network):
/// <list type="number">
/// <item>https://github.com/ORG/PATTERN* — a GitHub organisation wildcard;</item>
/// <item>*.git, ssh://, git@host:, git://, https://github.com/ORG/REPO, a local bare repository or a checkout with .git — a git repository;</item>
/// <item>*.yaml / *.yml, or any other http(s) URL — an index or a single manifest (the content tells);</item>
/// <item>an existing directory — a directory of checkouts;</item>
/// <item>another existing file — an index or a manifest.</item>
/// </list>
/// Anything else is an error that lists the accepted forms.
/// </summary>
public static partial class SourceFactory
{
    public static IManifestSource Create(string location, SourceContext context)
    {
        var text = location.Trim();
        if (text.Length == 0)
            throw new KraftException("an empty source", hint: Forms);
        if (IsGitHubWildcard(text)) return new GitHubOrgSource(location, context);
        if (IsGit(text)) return new GitRepoSource(location, context);
        // "REPO#NAME": a repository whose base name says nothing (a mirror called "repo"), named after the '#'.
        if (text.LastIndexOf('#') is var hash and > 0 && IsGit(text[..hash])) return new GitRepoSource(location, context);
        if (ManifestReferences.IsUrl(text) || HasYamlExtension(text)) return new ManifestSource(location, context);
        var local = ManifestText.Normalise(text);
        if (Directory.Exists(local)) return new DirectorySource(location, context);
        if (File.Exists(local)) return new ManifestSource(location, context);
        throw new KraftException($"cannot tell what kind of source '{location}' is: it is no URL, git repository, YAML file or existing directory",
            hint: Forms);
    }

    const string Forms =
        "a source is an index or manifest (a .yaml file or an http(s) URL), a git repository (…/repo.git, ssh://…, git@host:repo, " +
        "https://github.com/ORG/REPO), a GitHub organisation wildcard (https://github.com/ORG/lib-*) or a local directory of checkouts";

    /// <summary>https://github.com/ORG/NAME-* (a wildcard in the repository name).</summary>
    public static bool IsGitHubWildcard(string text) =>
        GitHubPath(text) is [_, var repo] && repo.Contains('*');

    /// <summary>Whether the string names a git repository (no network access: by its form, or a local repository).</summary>
    public static bool IsGit(string text)
    {
        var trimmed = text.TrimEnd('/');
        if (trimmed.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) return true;
        if (GitScheme().IsMatch(text) || ScpLike().IsMatch(text)) return true;
        if (GitHubPath(text) is [_, var repo] && !repo.Contains('*')) return true;
        if (ManifestReferences.IsUrl(text) || HasYamlExtension(text)) return false;
        var local = ManifestText.Normalise(text);
        if (!Directory.Exists(local)) return false;
        if (Path.Exists(Path.Combine(local, ".git"))) return true;
        // A bare repository: HEAD, objects/ and refs/ at the top.
        return File.Exists(Path.Combine(local, "HEAD")) && Directory.Exists(Path.Combine(local, "objects"))
            && Directory.Exists(Path.Combine(local, "refs"));
    }

    static bool HasYamlExtension(string text)
    {
        var path = text;
        if (ManifestReferences.IsUrl(text) && Uri.TryCreate(text, UriKind.Absolute, out var uri)) path = uri.AbsolutePath;
        return path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The path segments of a github.com URL (www. allowed, .git trimmed), or null for other hosts.</summary>
    static string[]? GitHubPath(string text)
    {
        if (!ManifestReferences.IsUrl(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri)) return null;
        var host = uri.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? uri.Host[4..] : uri.Host;
        if (!host.Equals("github.com", StringComparison.OrdinalIgnoreCase)) return null;
        var segments = Uri.UnescapeDataString(uri.AbsolutePath).Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 2 ? segments : null;
    }

    [GeneratedRegex(@"^(ssh|git|ssh\+git|git\+ssh)://", RegexOptions.IgnoreCase)]
    private static partial Regex GitScheme();

    // scp-like git syntax: user@host:path (but not a Windows drive or a URL).
    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)")]
    private static partial Regex ScpLike();
}
