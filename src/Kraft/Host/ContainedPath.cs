namespace Kraft.Host;

/// <summary>
/// Paths derived from names or archive entries, proven to stay under a root before anything is
/// written or run there. The lexical check refuses absolute parts, "..", NUL; the physical check
/// also resolves symbolic links of the parts that exist, so a link inside the root that points
/// elsewhere is refused too.
/// </summary>
public static class ContainedPath
{
    /// <summary>root/part1/part2..., or a KraftException when the result would leave root.</summary>
    public static string Combine(string root, params string[] parts)
    {
        var fullRoot = Path.GetFullPath(root);
        var path = fullRoot;
        foreach (var part in parts)
        {
            if (part.Length == 0 || part.Contains('\0') || Path.IsPathRooted(part))
                throw Escape(root, part);
            path = Path.Combine(path, part);
        }
        path = Path.GetFullPath(path);
        if (!IsUnder(fullRoot, path)) throw Escape(root, string.Join('/', parts));
        if (!IsUnder(RealPath.Of(fullRoot), RealPath.Of(path))) throw Escape(root, string.Join('/', parts));
        return path;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it (both full paths, lexically).</summary>
    public static bool IsUnder(string root, string path)
    {
        root = Path.TrimEndingDirectorySeparator(root);
        path = Path.TrimEndingDirectorySeparator(path);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    static KraftException Escape(string root, string part) =>
        new($"refusing the path {Names.Quote(part)}: it would leave {root}",
            hint: "names and archive entries may not contain '/', '..', NUL or absolute paths");
}
