using System.Text.RegularExpressions;

namespace Kraft.Packages.Resolution;

/// <summary>How a Kraftfile's version string is read: commits, release numbers and their spellings.</summary>
public static partial class VersionText
{
    /// <summary>7 to 40 hexadecimal digits: a (possibly abbreviated) commit.</summary>
    public static bool IsCommitish(string? v) => v is not null && CommitPattern().IsMatch(v);

    public static bool IsFullCommit(string? v) => v is { Length: 40 } && IsCommitish(v);

    /// <summary>
    /// The release number inside a version (0.17.0 for "0.17.0", "v0.17.0" and "RELEASE-0.17.0"), or
    /// null when the text is not a release number. Unikraft tags its releases RELEASE-x.y.z; libraries
    /// often use vx.y.z; Kraftfiles write either, or the bare number.
    /// </summary>
    public static string? Release(string? v)
    {
        if (v is null) return null;
        var m = ReleasePattern().Match(v);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>Tag names a release number may be spelled as, in the order they are tried.</summary>
    public static IEnumerable<string> ReleaseTags(string release) => [$"RELEASE-{release}", $"v{release}", release];

    [GeneratedRegex("^[0-9a-fA-F]{7,40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex(@"^(?:v|V|RELEASE-)?(\d+(?:\.\d+){1,3})$")]
    private static partial Regex ReleasePattern();

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>The closest names (at most three) within a distance that makes sense for the name's length.</summary>
    public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates)
    {
        var limit = Math.Max(2, name.Length / 3);
        return candidates.Distinct()
            .Select(c => (c, d: c.Contains(name, StringComparison.OrdinalIgnoreCase) || name.Contains(c, StringComparison.OrdinalIgnoreCase) ? 1 : Distance(name, c)))
            .Where(x => x.d <= limit)
            .OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal)
            .Take(3).Select(x => x.c).ToList();
    }
}
