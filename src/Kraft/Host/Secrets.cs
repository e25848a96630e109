using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Kraft.Host;

/// <summary>A credential written into a URL's user part (http://user:token@host/...), kept in memory only.</summary>
public sealed record UrlCredential(string User, string? Password)
{
    /// <summary>The value of an HTTP Authorization header for it (basic: user:password; a lone user part is a token).</summary>
    public string AuthorizationHeader => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
}

/// <summary>
/// The one place where kraft keeps secrets out of sight. A URL's user part is taken off where the
/// URL enters (<see cref="StripUserInfo"/>): what is stored, shown or put on a command line is the
/// URL without it, and the credential stays in this process's memory, keyed by the URL's origin,
/// for <see cref="Packages.Git"/> and <see cref="HttpFetcher"/> to send (as a header, through the
/// environment, never on argv). <see cref="Redact"/> is applied to everything kraft prints (see
/// RedactingWriter in the CLI) and to the output of tools it echoes: user parts of URLs and every
/// secret value registered here (tokens from <c>auth:</c>, passwords from URLs, their encodings).
/// </summary>
public static partial class Secrets
{
    const string Hidden = "***";
    static readonly ConcurrentDictionary<string, UrlCredential> ByOrigin = new(StringComparer.OrdinalIgnoreCase);
    static readonly ConcurrentDictionary<string, byte> Values = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="url"/> without its user part; a user part with a password (or, for http(s),
    /// any user part: it is often a token) is remembered for the URL's origin. ssh://git@host and
    /// git@host:path keep their plain user name, which is no secret. Text that is not a URL is returned as is.
    /// </summary>
    public static string StripUserInfo(string url)
    {
        var m = UrlUserInfo().Match(url);
        if (!m.Success || m.Index != 0) return url;
        var scheme = m.Groups["scheme"].Value;
        var http = scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase);
        if (!http && !m.Groups["pass"].Success) return url;
        var user = Uri.UnescapeDataString(m.Groups["user"].Value);
        var pass = m.Groups["pass"].Success ? Uri.UnescapeDataString(m.Groups["pass"].Value) : null;
        var stripped = http ? scheme + url[m.Length..] : $"{scheme}{m.Groups["user"].Value}@{url[m.Length..]}";
        var credential = new UrlCredential(user, pass);
        if (pass is { Length: > 0 }) Register(pass);
        if (http && pass is null) Register(user); // a lone user part is the token
        if (http) Register(credential.AuthorizationHeader["Basic ".Length..]);
        if (Origin(stripped) is { } origin) ByOrigin[origin] = credential;
        return stripped;
    }

    /// <summary>True when <paramref name="url"/> carries a user part that <see cref="StripUserInfo"/> would take off.</summary>
    public static bool HasUserInfo(string url) => StripUserInfo(url) != url;

    /// <summary>The credential a URL of this origin was written with in this process, if any.</summary>
    public static UrlCredential? For(string url) => Origin(url) is { } o && ByOrigin.TryGetValue(o, out var c) ? c : null;

    /// <summary>A value that must never be shown (a token from auth:, a password); short values are ignored (they would redact ordinary words).</summary>
    public static void Register(string? secret)
    {
        if (secret is { Length: >= 4 }) Values.TryAdd(secret, 0);
    }

    /// <summary>
    /// <paramref name="text"/> with every URL's user part hidden (all of it for http(s), the password
    /// for other schemes) and every registered secret replaced by ***.
    /// </summary>
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var result = text.Contains('@') ? AnyUserInfo().Replace(text, m =>
            m.Groups["scheme"].Value.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? m.Groups["scheme"].Value + Hidden + "@"
            : m.Groups["pass"].Success ? $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Hidden}@"
            : m.Value) : text;
        if (!Values.IsEmpty)
            foreach (var secret in Values.Keys)
                if (result.Contains(secret, StringComparison.Ordinal)) result = result.Replace(secret, Hidden, StringComparison.Ordinal);
        return result;
    }

    /// <summary>scheme://host[:port]/ of an http(s) URL (the scope git's http.&lt;url&gt;.* settings and our lookups use), or null.</summary>
    public static string? Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.Host.Length > 0
            ? $"{u.Scheme}://{u.Authority}/" : null;

    [GeneratedRegex(@"^(?<scheme>[a-z][a-z0-9+.\-]*://)(?<user>[^/@:\s]*)(?::(?<pass>[^/@\s]*))?@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?<scheme>[a-z][a-z0-9+.\-]*://)(?<user>[^/@:\s'""]*)(?::(?<pass>[^/@\s'""]*))?@", RegexOptions.IgnoreCase)]
    private static partial Regex AnyUserInfo();
}
