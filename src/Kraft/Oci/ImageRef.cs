using System.Net;

namespace Kraft.Oci;

/// <summary>
/// An image reference, normalised the way KraftKit normalises them (shared/reference/formats.md
/// §4.5): a name without a registry gets <c>unikraft.org</c>, one without tag or digest gets
/// <c>latest</c>; Docker Hub names with one component get <c>library/</c>. The grammar is the
/// distribution spec's: a registry is a first component with a '.' or ':' or "localhost";
/// repository components are lowercase [a-z0-9] separated by '.', '_', '__' or dashes; a tag is
/// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; a digest is sha256 (see <see cref="Digest"/>).
/// </summary>
public sealed record ImageRef
{
    public const string DefaultRegistry = "unikraft.org";
    public const string DefaultTag = "latest";
    const int MaxLength = 255;

    public required string Registry { get; init; }
    public required string Repository { get; init; }
    /// <summary>The tag; "latest" when neither tag nor digest was given.</summary>
    public string? Tag { get; init; }
    public Digest? Digest { get; init; }

    /// <summary>registry/repository, KraftKit's org.unikraft.image.name.</summary>
    public string Name => $"{Registry}/{Repository}";
    public override string ToString() => Name + (Tag is { } t ? ":" + t : "") + (Digest is { } d ? "@" + d : "");
    /// <summary>What a registry is asked for: the digest when there is one, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag!;

    /// <summary>The registry host without port (for credentials lookups and loopback checks).</summary>
    public string Host => HostOf(Registry);

    /// <summary>Whether the registry is on this machine (localhost, 127.0.0.0/8, ::1): plain HTTP is allowed there, as Docker does.</summary>
    public bool IsLoopback => IsLoopbackHost(Host);

    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);

    public static string HostOf(string registry)
    {
        if (registry.StartsWith('[')) return registry[..(registry.IndexOf(']') + 1)];
        var colon = registry.IndexOf(':');
        return colon < 0 ? registry : registry[..colon];
    }

    /// <summary>
    /// Whether <paramref name="text"/> is written like an image reference rather than a component
    /// name or a path: it has a registry part ("host.tld/..", "host:port/..", "localhost/..") or a
    /// tag or digest ("nginx:1.25", "x@sha256:..."). A bare "nginx" is a component name.
    /// </summary>
    public static bool LooksLikeReference(string text)
    {
        if (text.Length == 0 || text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~')) return false;
        if (text.Contains('@') || text.Contains(':')) return TryParse(text, out _, out _);
        var slash = text.IndexOf('/');
        return slash > 0 && IsRegistry(text[..slash]) && TryParse(text, out _, out _);
    }

    /// <summary>
    /// Whether <paramref name="text"/> starts with a registry ("unikraft.org/...", "localhost:5000/...").
    /// The pkg subcommands take such an argument as an image and anything else as a component
    /// (where NAME:VERSION is a component version), unless --oci says otherwise.
    /// </summary>
    public static bool HasRegistryPart(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && IsRegistry(text[..slash]) && !text.StartsWith('.');
    }

    public static ImageRef Parse(string text, SourceLocation? location = null) =>
        TryParse(text, out var r, out var why) ? r!
            : throw new KraftException($"invalid image reference {Names.Quote(text)}: {why}", location,
                hint: "write [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST], e.g. unikraft.org/nginx:1.25 or localhost:5000/base:latest");

    public static bool TryParse(string text, out ImageRef? reference, out string why)
    {
        reference = null;
        why = "";
        if (string.IsNullOrEmpty(text)) { why = "it is empty"; return false; }
        if (text.Length > MaxLength) { why = $"it is longer than {MaxLength} characters"; return false; }
        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            if (!Oci.Digest.TryParse(rest[(at + 1)..], out var d)) { why = "the part after '@' is not a sha256 digest (sha256: and 64 lowercase hex digits)"; return false; }
            digest = d;
            rest = rest[..at];
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!IsTag(tag)) { why = $"the tag {Names.Quote(tag)} is not valid (1 to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)"; return false; }
        }
        var registry = DefaultRegistry;
        var slash = rest.IndexOf('/');
        if (slash > 0 && IsRegistry(rest[..slash]))
        {
            registry = rest[..slash];
            rest = rest[(slash + 1)..];
            if (!IsRegistryName(registry)) { why = $"the registry {Names.Quote(registry)} is not a host name with an optional port"; return false; }
        }
        if (rest.Length == 0) { why = "the repository name is missing"; return false; }
        foreach (var component in rest.Split('/'))
            if (!IsPathComponent(component))
            {
                why = component.Any(char.IsAsciiLetterUpper)
                    ? $"the repository {Names.Quote(rest)} has uppercase letters (repository names are lowercase)"
                    : $"the repository part {Names.Quote(component)} is not valid (lowercase letters and digits separated by '.', '_', '__' or '-')";
                return false;
            }
        if (registry is "docker.io" or "index.docker.io")
        {
            registry = "docker.io";
            if (!rest.Contains('/')) rest = "library/" + rest;
        }
        reference = new ImageRef { Registry = registry.ToLowerInvariant(), Repository = rest, Tag = tag ?? (digest is null ? DefaultTag : null), Digest = digest };
        return true;
    }

    /// <summary>The same image under a digest (what a pulled manifest is stored and verified by).</summary>
    public ImageRef WithDigest(Digest digest) => this with { Digest = digest };

    static bool IsRegistry(string first) => first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper);

    static bool IsRegistryName(string registry)
    {
        string host = registry;
        string? port = null;
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(registry[1..close], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            var after = registry[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') return false;
                port = after[1..];
            }
        }
        else
        {
            var colon = registry.IndexOf(':');
            if (colon >= 0) { host = registry[..colon]; port = registry[(colon + 1)..]; }
            if (host.Length is 0 or > 253) return false;
            foreach (var label in host.Split('.'))
            {
                if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
                foreach (var c in label)
                    if (!char.IsAsciiLetterOrDigit(c) && c != '-') return false;
            }
        }
        return port is null || port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit) && int.Parse(port) is > 0 and <= 65535;
    }

    static bool IsTag(string tag)
    {
        if (tag.Length is 0 or > 128 || !(char.IsAsciiLetterOrDigit(tag[0]) || tag[0] == '_')) return false;
        foreach (var c in tag)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        return true;
    }

    static bool IsPathComponent(string s)
    {
        // [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
        if (s.Length == 0 || !IsAlnum(s[0]) || !IsAlnum(s[^1])) return false;
        for (var i = 0; i < s.Length;)
        {
            if (IsAlnum(s[i])) { i++; continue; }
            var start = i;
            while (i < s.Length && !IsAlnum(s[i])) i++;
            var sep = s[start..i];
            if (!(sep is "." or "_" or "__" || sep.All(c => c == '-'))) return false;
        }
        return true;
        static bool IsAlnum(char c) => char.IsAsciiDigit(c) || c is >= 'a' and <= 'z';
    }
}
