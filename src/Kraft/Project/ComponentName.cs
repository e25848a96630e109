using System.Text.RegularExpressions;

namespace Kraft.Project;

/// <summary>
/// Reads "type/name:version" strings such as <c>app/elfloader:stable</c>, <c>lib-musl</c> or
/// <c>unikraft:stable</c>, the way component names are written throughout kraft.
/// </summary>
public static partial class ComponentName
{
    /// <summary>The type prefix as written ("lib", "app", "plat", "arch"; "core" for unikraft), or null.</summary>
    public static bool TryParse(string text, out string? type, out string name, out string? version)
    {
        var m = Pattern().Match(text);
        type = null; name = ""; version = null;
        if (!m.Success) return false;
        type = m.Groups["type"].Success ? m.Groups["type"].Value.ToLowerInvariant() : null;
        name = m.Groups["name"].Value;
        version = m.Groups["version"].Success ? m.Groups["version"].Value : null;
        if (name == "unikraft") type = "core";
        return true;
    }

    /// <summary>
    /// The component name a repository or archive URL's last path segment implies:
    /// ".../app-elfloader.git" ⇒ "elfloader", ".../lib-lwip.tar.gz" ⇒ "lwip".
    /// </summary>
    public static string FromLocation(string pathOrUrl)
    {
        var last = pathOrUrl.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        foreach (var ext in (string[])[".git", ".tar.gz", ".tgz", ".zip"])
            if (last.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { last = last[..^ext.Length]; break; }
        return TryParse(last, out _, out var name, out _) ? name : last;
    }

    [GeneratedRegex(@"^(?:(?<type>lib|app|plat|arch)s?[-/])?(?<name>[\w\-*]+)(?::(?<version>[\w.\-]+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
