namespace Kraft.Packages.Fetching;

/// <summary>
/// Something a component needs is not in the caches and the network may not be used (offline,
/// or a dry run). Callers gather these to name every missing component at once.
/// </summary>
public sealed class NotCachedException(string component, string? version, string missing, SourceLocation? location = null)
    : KraftException($"{component}{(version is null ? "" : $" ({version})")}: {missing}", location,
        "connect and build once (or 'kraft pkg pull'), so the sources are cached; offline builds use only the cache")
{
    public string Component { get; } = component;
    public string? Version { get; } = version;
    public string Missing { get; } = missing;
}
