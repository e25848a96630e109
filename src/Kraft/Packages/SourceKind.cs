namespace Kraft.Packages;

/// <summary>What a component's source is: a directory used in place, a git repository, or an archive (tar, tar.gz, zip).</summary>
public enum SourceKind { LocalDirectory, Git, Archive }

public static class SourceClassifier
{
    /// <summary>
    /// Decides how to fetch a source. Local directories win (the loader has already made them
    /// absolute); URLs whose path ends in an archive extension are archives; URLs with a scheme,
    /// scp-style <c>user@host:path</c> and paths ending in <c>.git</c> are git.
    /// </summary>
    public static SourceKind Classify(string source)
    {
        if (Directory.Exists(source))
            return IsBareRepository(source) ? SourceKind.Git : SourceKind.LocalDirectory;
        if (Fetching.ArchiveFormat.FromUrl(source) is not null && source.Contains("://", StringComparison.Ordinal))
            return SourceKind.Archive;
        return LooksLikeGitUrl(source) ? SourceKind.Git : SourceKind.LocalDirectory;
    }

    /// <summary>A bare repository (a mirror) is something to clone from, not a source tree.</summary>
    public static bool IsBareRepository(string dir) =>
        File.Exists(Path.Combine(dir, "HEAD")) && Directory.Exists(Path.Combine(dir, "objects")) && Directory.Exists(Path.Combine(dir, "refs"));

    public static bool LooksLikeGitUrl(string source) =>
        source.StartsWith("https://", StringComparison.Ordinal) || source.StartsWith("http://", StringComparison.Ordinal)
        || source.StartsWith("ssh://", StringComparison.Ordinal) || source.StartsWith("git://", StringComparison.Ordinal)
        || source.StartsWith("file://", StringComparison.Ordinal)
        || System.Text.RegularExpressions.Regex.IsMatch(source, @"^[\w.-]+@[\w.-]+:")
        || source.EndsWith(".git", StringComparison.Ordinal);

    /// <summary>
    /// Whether a manifest's origin or resource is a git repository one can clone (rather than an
    /// archive, a YAML file or a plain directory): .git URLs, file:// and ssh remotes, bare
    /// repositories on disk, and github.com/OWNER/REPO.
    /// </summary>
    public static bool IsGitRepository(string? location, string? provider = null)
    {
        if (string.IsNullOrEmpty(location)) return false;
        if (Fetching.ArchiveFormat.FromUrl(location) is not null) return false;
        var path = location.Split('?', '#')[0];
        if (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)) return false;
        if (Directory.Exists(location)) return Index.Sources.GitRepoSource.IsLocalRepository(location);
        // A git or GitHub manifest's origin is a repository whatever its URL looks like.
        if (provider is "git" or "github" && LooksLikeGitUrl(location)) return true;
        return Index.Sources.GitRepoSource.LooksLikeGit(location);
    }
}
