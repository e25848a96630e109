using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Packages.Resolution;

/// <summary>
/// What a Kraftfile asks for one component: its type and name, and the source and version as
/// written. A lock entry is reused only while this stays the same. Local directories are kept
/// relative to the project (with '/'), so a lock made on one machine matches on another.
/// </summary>
public sealed record ComponentRequest(ComponentType Type, string Name, string? Source, string? Version)
{
    public string Id => $"{Type.Name()}/{Name}";

    public static ComponentRequest For(Component c, string projectDir)
    {
        var source = c.Source;
        if (source is not null && !source.Contains("://", StringComparison.Ordinal) && Path.IsPathRooted(source))
            source = Path.GetRelativePath(projectDir, source).Replace('\\', '/');
        return new ComponentRequest(ComponentTypes.From(c.Kind), c.Name, source, c.Version);
    }

    /// <summary>"version 'stable' → 'staging'" style list of what changed between two requests.</summary>
    public static string Difference(ComponentRequest locked, ComponentRequest now)
    {
        var parts = new List<string>();
        if (locked.Source != now.Source) parts.Add($"source {Show(locked.Source)} → {Show(now.Source)}");
        if (locked.Version != now.Version) parts.Add($"version {Show(locked.Version)} → {Show(now.Version)}");
        return parts.Count == 0 ? "unchanged" : string.Join(", ", parts);
    }

    static string Show(string? s) => s is null ? "(none)" : $"'{s}'";
}
