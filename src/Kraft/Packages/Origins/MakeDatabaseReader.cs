using System.Text.RegularExpressions;

namespace Kraft.Packages.Origins;

/// <summary>
/// Reads what a Unikraft build downloads from make's own account of it: the rule database that
/// <c>make -pq fetch WGET=MARKER</c> prints once every Makefile.uk is evaluated against the
/// target's .config. Unikraft's fetch rules expand <c>$(WGET)</c> when the library calls them, so
/// each download recipe holds <c>MARKER ... -O &lt;dest&gt; &lt;url&gt;</c> with the URL already chosen by
/// the configuration; a library's <c>LIBX_ORIGIN_SHA256</c> is a variable of the same database.
/// Pure: text in, origins out.
/// </summary>
public static partial class MakeDatabaseReader
{
    /// <summary>What the database says <paramref name="buildDir"/>'s libraries fetch (recipes using <paramref name="marker"/> as wget).</summary>
    public static OriginList Read(string database, string marker, string buildDir)
    {
        buildDir = Path.TrimEndingDirectorySeparator(buildDir);
        var shas = new Dictionary<string, string>(StringComparer.Ordinal);
        var byDest = new Dictionary<string, (string Library, List<string> Urls)>(StringComparer.Ordinal);
        var order = new List<string>();
        var unreadable = new List<UnreadableOrigin>();
        string? target = null;
        foreach (var raw in database.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] != '\t')
            {
                if (ShaVariable().Match(line) is { Success: true } v) shas[v.Groups[1].Value] = v.Groups[2].Value.ToLowerInvariant();
                var colon = line.IndexOf(':');
                target = colon > 0 && !line.Contains('=') ? line[..colon] : null;
                continue;
            }
            if (line.Contains(" clone ", StringComparison.Ordinal) && line.Contains("--branch", StringComparison.Ordinal)
                && target is not null && LibraryOf(target, buildDir) is { } cloned && target.EndsWith("/.origin", StringComparison.Ordinal))
            {
                if (!unreadable.Any(u => u.Library == cloned))
                    unreadable.Add(new UnreadableOrigin(cloned, "it clones a git repository (make's own git clone runs)"));
                continue;
            }
            if (!line.Contains(marker, StringComparison.Ordinal)) continue;
            var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var found = false;
            for (var i = 0; i < words.Length; i++)
            {
                // A recipe line may start with make's prefixes (@ silent, - ignore errors, + always run).
                if (words[i].TrimStart('@', '-', '+') != marker) continue;
                var o = Array.IndexOf(words, "-O", i + 1);
                string? dest = o > 0 && o + 2 < words.Length ? words[o + 1] : null;
                string? url = dest is null ? null : words[o + 2];
                var lib = dest is null ? null : LibraryOf(dest, buildDir);
                if (dest is null || url is null || lib is null || !IsPlainUrl(url) || Path.GetDirectoryName(dest) != Path.Combine(buildDir, lib))
                    continue;
                found = true;
                if (!byDest.TryGetValue(dest, out var entry)) { byDest[dest] = entry = (lib, []); order.Add(dest); }
                if (!entry.Urls.Contains(url)) entry.Urls.Add(url);
                i = o + 2;
            }
            if (!found)
            {
                var lib = (target is null ? null : LibraryOf(target, buildDir)) ?? target ?? "a library";
                if (!unreadable.Any(u => u.Library == lib))
                    unreadable.Add(new UnreadableOrigin(lib, "its download rule is not Unikraft's fetch rule (make's own wget runs)"));
            }
        }
        var origins = order.Select(d =>
        {
            var (lib, urls) = byDest[d];
            var sha = shas.GetValueOrDefault(lib.ToUpperInvariant());
            return new LibraryOrigin(lib, urls, d, sha);
        }).ToList();
        return new OriginList(origins, unreadable);
    }

    /// <summary>The library folder a path under the build folder belongs to (the first component below it).</summary>
    static string? LibraryOf(string path, string buildDir)
    {
        if (!path.StartsWith(buildDir + "/", StringComparison.Ordinal)) return null;
        var rest = path[(buildDir.Length + 1)..];
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash] : null;
    }

    /// <summary>An http(s) or ftp URL with nothing left for a shell to expand or quote.</summary>
    static bool IsPlainUrl(string url) =>
        (url.StartsWith("https://", StringComparison.Ordinal) || url.StartsWith("http://", StringComparison.Ordinal)
            || url.StartsWith("ftp://", StringComparison.Ordinal))
        && url.IndexOfAny(['$', '\'', '"', '`', '\\', ';', '|', '&', '(', ')']) < 0;

    [GeneratedRegex(@"^([A-Za-z0-9_]+)_ORIGIN_SHA256 :?= *([0-9A-Fa-f]{64}) *$")]
    private static partial Regex ShaVariable();
}
