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
public static class SourceFactory
{
    public static IManifestSource Create(string location, SourceContext context)
    {
        var text = location.Trim();
        if (text.Length == 0)
            throw new KraftException("an empty source", hint: Forms);
        if (GitHubOrgSource.IsWildcard(text)) return new GitHubOrgSource(location, context);
        if (IsGit(text)) return new GitRepoSource(location, context);
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

    /// <summary>
    /// Whether the string names a git repository, by its form (GitRepoSource's rules, "REPO#NAME" included)
    /// or as a local checkout: here a folder with .git is one repository, not a directory of checkouts.
    /// </summary>
    public static bool IsGit(string text)
    {
        var local = ManifestText.Normalise(text);
        // file:// of a plain folder is a directory of checkouts, as the folder's path would be.
        if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && Directory.Exists(local))
            return GitRepoSource.IsLocalRepository(local);
        return GitRepoSource.LooksLikeGit(text) || Directory.Exists(local) && Path.Exists(Path.Combine(local, ".git"));
    }

    static bool HasYamlExtension(string text)
    {
        var path = text;
        if (ManifestReferences.IsUrl(text) && Uri.TryCreate(text, UriKind.Absolute, out var uri)) path = uri.AbsolutePath;
        return path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
    }
}
