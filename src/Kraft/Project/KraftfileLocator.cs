namespace Kraft.Project;

/// <summary>Finds the Kraftfile of a project the way KraftKit does.</summary>
public static class KraftfileLocator
{
    /// <summary>The names a Kraftfile may have, in KraftKit's search order.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["kraft.yaml", "kraft.yml", "Kraftfile.yml", "Kraftfile.yaml", "Kraftfile"];

    /// <summary>
    /// The Kraftfile to use for <paramref name="directory"/>: <paramref name="kraftfile"/> (-K) when
    /// given ("-" for stdin, otherwise a path relative to the current directory), else the one file
    /// with a supported name in the directory or, failing that, in the nearest parent that has one.
    /// Returns an absolute path (or "-").
    /// </summary>
    public static string Locate(string directory, string? kraftfile = null)
    {
        if (kraftfile is not null)
            return FromOverride(kraftfile);
        var start = Path.GetFullPath(directory);
        if (!Directory.Exists(start))
            throw new KraftException($"directory {start} does not exist", hint: "pass an existing project directory");
        for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (FindIn(dir) is { } found) return found;
        }
        throw new KraftException($"no Kraftfile found in {start}",
            hint: $"create one (e.g. a file named Kraftfile with 'spec: {KraftfileLoader.LatestSpec}'), or pass its path with -K FILE");
    }

    /// <summary>The Kraftfile in exactly this directory (no walking up), or null; several ⇒ error.</summary>
    public static string? FindIn(string directory)
    {
        // Compare exact names: on a case-insensitive filesystem File.Exists("kraft.yaml") would
        // also be true for KRAFT.YAML, and Kraftfile.yml/Kraftfile.yaml would shadow each other.
        string[] entries;
        try { entries = Directory.GetFiles(directory).Select(Path.GetFileName).ToArray()!; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var found = FileNames.Where(n => entries.Contains(n, StringComparer.Ordinal)).ToList();
        return found.Count switch
        {
            0 => null,
            1 => Path.Combine(directory, found[0]),
            _ => throw new KraftException(
                $"found multiple Kraftfiles in {directory}: {string.Join(", ", found)}",
                hint: "keep only one of them, or choose one with -K FILE"),
        };
    }

    private static string FromOverride(string kraftfile)
    {
        if (kraftfile == KraftfileLoader.StdinPath) return kraftfile;
        var full = Path.GetFullPath(kraftfile);
        if (Directory.Exists(full))
            throw new KraftException($"-K {kraftfile} is a directory, not a Kraftfile",
                hint: "pass the file itself, or run kraft in that directory without -K");
        if (!File.Exists(full))
            throw new KraftException($"Kraftfile {kraftfile} does not exist", hint: "check the path given to -K");
        return full;
    }
}
