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

    /// <summary>Orders names with their digit runs compared as numbers: RELEASE-0.9.0 before RELEASE-0.16.2.</summary>
    public static readonly IComparer<string> NaturalOrder = Comparer<string>.Create(static (a, b) =>
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                var x = a[si..i].TrimStart('0');
                var y = b[sj..j].TrimStart('0');
                var c = x.Length != y.Length ? x.Length.CompareTo(y.Length) : string.CompareOrdinal(x, y);
                if (c != 0) return c;
            }
            else
            {
                if (a[i] != b[j]) return a[i].CompareTo(b[j]);
                i++; j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    });
}
