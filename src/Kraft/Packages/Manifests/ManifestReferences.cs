namespace Kraft.Packages.Manifests;

/// <summary>
/// Resolves the <c>manifest: ./libs/x.yaml</c> references of an index against the file or URL
/// that holds them, with proper path and URI rules (KraftKit cuts two characters off the front),
/// and refuses any reference that leaves the index: an absolute path, another scheme or host, or
/// <c>..</c> climbing above the index's own directory.
/// </summary>
public static class ManifestReferences
{
    /// <summary>True for http(s) URLs; everything else is a local path.</summary>
    public static bool IsUrl(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The directory (with a trailing slash for URLs) that an index's references must stay in.</summary>
    public static string RootOf(string indexLocation)
    {
        if (IsUrl(indexLocation))
        {
            var uri = new Uri(indexLocation);
            return new Uri(uri, "./").GetLeftPart(UriPartial.Path);
        }
        return Path.GetDirectoryName(Path.GetFullPath(indexLocation))!;
    }

    /// <summary>
    /// The file or URL that <paramref name="reference"/>, written in <paramref name="from"/>, points to;
    /// it must stay inside <paramref name="root"/> (see <see cref="RootOf"/>).
    /// </summary>
    public static string Resolve(string from, string root, string reference, SourceLocation at)
    {
        const string hint = "an index may only point to manifest files in its own directory or below it, written like ./libs/musl.yaml";
        if (reference.Contains('\\') || reference.Contains('\0'))
            throw new KraftException($"manifest reference '{reference}' is not a relative path", at, hint);
        var hasScheme = reference.Contains("://", StringComparison.Ordinal) || reference.StartsWith("//", StringComparison.Ordinal);
        if (!hasScheme && (reference.StartsWith('/') || reference.StartsWith('~') || Path.IsPathRooted(reference)))
            throw new KraftException($"manifest reference '{reference}' is an absolute path, which leaves the index", at, hint);
        if (IsUrl(from))
        {
            var baseUri = new Uri(from);
            if (!Uri.TryCreate(baseUri, reference, out var target))
                throw new KraftException($"manifest reference '{reference}' is not a valid URL path", at, hint);
            var rootUri = new Uri(root);
            if (!string.Equals(target.Scheme, rootUri.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(target.Authority, rootUri.Authority, StringComparison.OrdinalIgnoreCase))
                throw new KraftException($"manifest reference '{reference}' points to another host ({target.Scheme}://{target.Authority}), which leaves the index", at, hint);
            if (!hasScheme && ClimbsOut(Uri.UnescapeDataString(baseUri.AbsolutePath), Uri.UnescapeDataString(rootUri.AbsolutePath), Uri.UnescapeDataString(StripQuery(reference)))
                || !target.AbsolutePath.StartsWith(rootUri.AbsolutePath, StringComparison.Ordinal))
                throw new KraftException($"manifest reference '{reference}' climbs out of the index's directory ({root})", at, hint);
            return target.GetLeftPart(UriPartial.Query);
        }
        if (hasScheme)
            throw new KraftException($"manifest reference '{reference}' is a URL, which leaves the local index {from}", at, hint);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(from))!;
        var full = Path.GetFullPath(Path.Combine(baseDir, reference));
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new KraftException($"manifest reference '{reference}' climbs out of the index's directory ({rootFull})", at, hint);
        return full;
    }

    static string StripQuery(string reference)
    {
        var q = reference.IndexOfAny(['?', '#']);
        return q >= 0 ? reference[..q] : reference;
    }

    /// <summary>A lexical check on the decoded path (so %2e%2e cannot slip past URI normalisation).</summary>
    static bool ClimbsOut(string basePath, string rootPath, string reference)
    {
        // Depth of the referring file's directory below the root.
        var baseDir = basePath[..(basePath.LastIndexOf('/') + 1)];
        if (!baseDir.StartsWith(rootPath, StringComparison.Ordinal)) return true;
        var depth = baseDir[rootPath.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        var segments = reference.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            if (s == "..") { if (--depth < 0) return true; }
            else if (s is not ("." or "") && i < segments.Length - 1) depth++;
        }
        return false;
    }
}
