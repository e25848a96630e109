using System.Text.RegularExpressions;

namespace Kraft.Packages.Config;

/// <summary>
/// Checks a string given to <c>kraft pkg source</c> without touching the network: an existing
/// path (file or directory), an http(s)/ssh/git/file URL, an scp-style <c>git@host:path</c>, or a
/// GitHub organisation wildcard such as <c>https://github.com/unikraft/lib-*</c>.
/// </summary>
public static partial class SourceString
{
    /// <summary>
    /// Returns the string to store (an existing relative path made absolute, so the source does not
    /// depend on the directory kraft is run from), or throws a KraftException saying what is wrong.
    /// </summary>
    public static string Check(string source, string workingDirectory)
    {
        var s = RefuseCredentials(source.Trim());
        if (s.Length == 0)
            throw Bad(source, "an empty source");

        if (s.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(s, UriKind.Absolute, out var file) || !(File.Exists(file.LocalPath) || Directory.Exists(file.LocalPath)))
                throw Bad(source, "no such file or directory");
            return s;
        }
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("git://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
                throw Bad(source, "not a valid URL");
            if (s.IndexOfAny(['*', '?', '[']) >= 0)
                CheckWildcard(source, uri);
            return s;
        }
        if (ScpLike().IsMatch(s))
            return s;

        var path = s == "~" || s.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), s.Length > 1 ? s[2..] : "")
            : s;
        // "REPO#NAME" names a local repository whose folder name says nothing (a mirror called "repo").
        var name = "";
        if (path.LastIndexOf('#') is var hash and > 0 && Directory.Exists(Path.GetFullPath(path[..hash], workingDirectory)))
            (path, name) = (path[..hash], path[hash..]);
        var full = Path.GetFullPath(path, workingDirectory);
        if (Directory.Exists(full) && SourceClassifier.IsBareRepository(full))
            // Listed by its name: one that names no component type would be added but never listed.
            Index.Sources.GitRemoteLister.CheckNameable(new Git(), Path.TrimEndingDirectorySeparator(full), name.Length > 0 ? name : null);
        if (File.Exists(full) || Directory.Exists(full))
            return Path.TrimEndingDirectorySeparator(full) + name;
        throw Bad(source, LooksLikePath(s) ? "no such file or directory" : "neither an existing path nor a URL");
    }

    /// <summary>
    /// config.yaml keeps no credentials inside source URLs (they would be shown and copied with the
    /// source); they go under auth:, which kraft sends as a header to that host only.
    /// </summary>
    public static string RefuseCredentials(string source)
    {
        if (!Kraft.Host.Secrets.HasUserInfo(source)) return source;
        var bare = Kraft.Host.Secrets.StripUserInfo(source);
        var host = Uri.TryCreate(bare, UriKind.Absolute, out var u) ? u.Host : "HOST";
        throw new KraftException($"'{bare}' was given with credentials in the URL, which kraft does not store",
            hint: $"add it without them (kraft pkg source {bare}) and put them under 'auth:' in config.yaml, which kraft sends to that host only: auth: {{ {host}: {{ user: USER, token: TOKEN }} }}");
    }

    /// <summary>Wildcards are listed through the GitHub API, so they are only allowed in the repository part of a GitHub URL.</summary>
    static void CheckWildcard(string source, Uri uri)
    {
        var parts = uri.AbsolutePath.Trim('/').Split('/');
        var host = uri.Host.ToLowerInvariant();
        if ((host != "github.com" && host != "www.github.com") || parts.Length != 2 || parts[0].IndexOfAny(['*', '?', '[']) >= 0 || uri.Query.Length > 0)
            throw new KraftException($"'{source}': a wildcard only works in the repository part of a GitHub address",
                hint: "write it as https://github.com/ORGANISATION/PATTERN, e.g. https://github.com/unikraft/lib-*");
    }

    static bool LooksLikePath(string s) =>
        s.StartsWith('/') || s.StartsWith("./", StringComparison.Ordinal) || s.StartsWith("../", StringComparison.Ordinal)
        || s.StartsWith('~') || s.EndsWith(".yaml", StringComparison.Ordinal) || s.EndsWith(".yml", StringComparison.Ordinal);

    static KraftException Bad(string source, string what) =>
        new($"'{source}' is not a usable source: {what}",
            hint: "give an existing directory or file (an index.yaml or a manifest), an http(s), ssh or git URL, "
                + "git@host:path, or a GitHub wildcard such as https://github.com/unikraft/lib-*; --force adds it unchecked");

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^\s]+$")]
    private static partial Regex ScpLike();
}
