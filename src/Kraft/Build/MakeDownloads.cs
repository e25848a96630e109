using System.Text.RegularExpressions;

namespace Kraft.Build;

/// <summary>
/// Reads, from a failed make's output, which library's upstream download failed. Unikraft's make
/// downloads with wget and prints it (quiet: "  WGET    libmusl: URL"; verbose: "wget -O
/// BUILD/libmusl/FILE URL"); when the download fails, the file is removed and the extraction
/// that follows says only "unzip: cannot find or open" or "tar: ...: Cannot open".
/// </summary>
public static partial class MakeDownloads
{
    [GeneratedRegex(@"^\s*WGET\s+(?<lib>[A-Za-z0-9_.-]+):\s+(?<url>\S+)", RegexOptions.Multiline)]
    private static partial Regex QuietLine();

    [GeneratedRegex(@"\bwget\b[^\n]*?\s-O\s+\S*/(?<lib>[A-Za-z0-9_.-]+)/[^/\s]+\s+(?<url>[a-z][a-z0-9+.-]*://\S+)", RegexOptions.Multiline)]
    private static partial Regex VerboseLine();

    [GeneratedRegex(@"unzip:\s+cannot find or open|tar[^\n]*Cannot open|No such file or directory|unable to resolve host|Temporary failure in name resolution|ERROR \d{3}|failed: |checksum validation failed|wget: not found|wget: command not found", RegexOptions.IgnoreCase)]
    private static partial Regex Symptom();

    /// <summary>
    /// A hint naming each library whose download failed and its URL, or null when the output does
    /// not show one. <paramref name="fetched"/> says whether a library's sources arrived (its
    /// <c>BUILD/lib/.origin</c> marker exists).
    /// </summary>
    public static string? Explain(string output, Func<string, bool> fetched)
    {
        if (!Symptom().IsMatch(output)) return null;
        var failed = QuietLine().Matches(output).Concat(VerboseLine().Matches(output))
            .Select(m => (Lib: m.Groups["lib"].Value, Url: m.Groups["url"].Value))
            .Where(d => !fetched(d.Lib))
            .Distinct()
            .ToList();
        if (failed.Count == 0) return null;
        var what = string.Join("; ", failed.Select(d => $"{d.Lib} needed {d.Url}"));
        return $"downloading a library's upstream sources failed: {what}. This machine may be offline, or the URL "
            + "may have moved; check the network (a proxy: https_proxy), then build again";
    }
}
