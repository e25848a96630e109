using Kraft.Project;

namespace Kraft.Packages;

/// <summary>
/// Where a component without a <c>source:</c> comes from until the component index is used:
/// Unikraft's own repositories (<c>unikraft/unikraft</c>, <c>unikraft/lib-NAME</c>). The base
/// can be moved with KRAFT_GIT_ORIGIN_BASE (a mirror, or a local folder of bare repositories).
/// </summary>
public static class DefaultOrigins
{
    public const string BaseVariable = "KRAFT_GIT_ORIGIN_BASE";

    public static string Base =>
        (Environment.GetEnvironmentVariable(BaseVariable) is { Length: > 0 } b ? b : "https://github.com/unikraft").TrimEnd('/');

    public static string For(Component component) => component.Kind switch
    {
        ComponentKind.Core => $"{Base}/unikraft.git",
        ComponentKind.Library => $"{Base}/lib-{component.Name}.git",
        ComponentKind.Application => $"{Base}/app-{component.Name}.git",
        _ => throw new KraftException($"component '{component.Name}' has no source and no default origin",
            component.Location, "add a 'source:' (a directory or a git URL)"),
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
