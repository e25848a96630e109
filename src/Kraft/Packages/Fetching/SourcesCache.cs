using Kraft.Host;

namespace Kraft.Packages.Fetching;

/// <summary>
/// The downloads cache (KraftKit's <c>paths.sources</c>): <c>archives/</c> holds archives named by
/// their SHA-256, <c>git/</c> bare mirrors of git repositories. Writers hold <c>.lock</c>, so two
/// kraft processes never write the same entry at once; every entry appears by a rename, complete.
/// </summary>
public sealed class SourcesCache(string sourcesDir)
{
    public string Root { get; } = Path.GetFullPath(sourcesDir);
    public string ArchivesDir => Path.Combine(Root, "archives");
    public string GitDir => Path.Combine(Root, "git");

    public FileLock Lock(IReporter reporter, CancellationToken cancel) =>
        FileLock.Acquire(Path.Combine(Root, ".lock"), "the sources cache", reporter, cancel);

    /// <summary>A readable, collision-free name for an URL: lib-musl-1a2b3c4d5e6f.</summary>
    public static string Key(string url)
    {
        var trimmed = url.TrimEnd('/');
        var last = trimmed[(Math.Max(trimmed.LastIndexOf('/'), trimmed.LastIndexOf(':')) + 1)..];
        if (last.EndsWith(".git", StringComparison.Ordinal)) last = last[..^4];
        var slug = new string(last.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('.');
        if (slug.Length == 0) slug = "repo";
        if (slug.Length > 48) slug = slug[..48];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(trimmed)));
        return $"{slug}-{hash[..12]}";
    }

    /// <summary>Size in bytes of a file or a whole tree.</summary>
    public static long SizeOf(string path)
    {
        if (File.Exists(path)) return new FileInfo(path).Length;
        if (!Directory.Exists(path)) return 0;
        return new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Where(f => f.LinkTarget is null).Sum(f => f.Length);
    }
}
