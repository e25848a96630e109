using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Packages;

/// <summary>
/// Where a component without a <c>source:</c> came from before the component index: Unikraft's
/// own repositories (<c>unikraft/unikraft</c>, <c>unikraft/lib-NAME</c>) under a base that
/// KRAFT_GIT_ORIGIN_BASE moves (a mirror, or a local folder of bare repositories). The resolver
/// still uses it when KRAFT_GIT_ORIGIN_BASE is set and the index has no such component.
/// </summary>
public static class DefaultOrigins
{
    public const string BaseVariable = "KRAFT_GIT_ORIGIN_BASE";

    public static string Base =>
        (Environment.GetEnvironmentVariable(BaseVariable) is { Length: > 0 } b ? b : "https://github.com/unikraft").TrimEnd('/');

    public static string For(Component component) => component.Kind switch
    {
        ComponentKind.Core => For(ComponentType.Core, component.Name),
        ComponentKind.Library => For(ComponentType.Lib, component.Name),
        ComponentKind.Application => For(ComponentType.App, component.Name),
        _ => throw new KraftException($"component '{component.Name}' has no source and no default origin",
            component.Location, "add a 'source:' (a directory or a git URL)"),
    };

    public static string For(ComponentType type, string name) => type switch
    {
        ComponentType.Core => $"{Base}/unikraft.git",
        _ => $"{Base}/{type.Name()}-{name}.git",
    };

    /// <summary>
    /// The git revisions a Kraftfile version may mean, most specific first: the name itself
    /// (tag, branch or commit), the remote branch, and Unikraft's release tag for a bare release
    /// number (v0.16.3 or 0.16.3 → RELEASE-0.16.3).
    /// </summary>
    public static IEnumerable<string> RevisionCandidates(string version)
    {
        yield return version;
        yield return "refs/tags/" + version;
        yield return "origin/" + version;
        var bare = version.StartsWith('v') ? version[1..] : version;
        if (bare.Length > 0 && char.IsAsciiDigit(bare[0]) && bare.All(c => char.IsAsciiDigit(c) || c == '.'))
            yield return "refs/tags/RELEASE-" + bare;
    }
}
