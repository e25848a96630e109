namespace Kraft.Packages;

/// <summary>What a component's <c>source:</c> string points at.</summary>
public enum SourceKind { LocalDirectory, Git }

public static class SourceClassifier
{
    /// <summary>
    /// Decides how to fetch a source. Local directories win (the loader has already made them
    /// absolute); URLs with a scheme, scp-style <c>user@host:path</c> and paths ending in
    /// <c>.git</c> are git.
    /// </summary>
    public static SourceKind Classify(string source)
    {
        if (Directory.Exists(source))
            return IsBareRepository(source) ? SourceKind.Git : SourceKind.LocalDirectory;
        return LooksLikeGitUrl(source) ? SourceKind.Git : SourceKind.LocalDirectory;
    }

    /// <summary>A bare repository (a mirror) is something to clone from, not a source tree.</summary>
    static bool IsBareRepository(string dir) =>
        File.Exists(Path.Combine(dir, "HEAD")) && Directory.Exists(Path.Combine(dir, "objects")) && Directory.Exists(Path.Combine(dir, "refs"));

    public static bool LooksLikeGitUrl(string source) =>
        source.StartsWith("https://", StringComparison.Ordinal) || source.StartsWith("http://", StringComparison.Ordinal)
        || source.StartsWith("ssh://", StringComparison.Ordinal) || source.StartsWith("git://", StringComparison.Ordinal)
        || source.StartsWith("file://", StringComparison.Ordinal)
        || System.Text.RegularExpressions.Regex.IsMatch(source, @"^[\w.-]+@[\w.-]+:")
        || source.EndsWith(".git", StringComparison.Ordinal);
}
