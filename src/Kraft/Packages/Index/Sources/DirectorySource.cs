using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// A local directory of checkouts. The directory itself, when it is a component, is the one
/// component listed; otherwise each subdirectory that is one becomes a component. A directory is
/// a component when its name says so (<c>unikraft</c>, <c>lib-x</c>, <c>app-x</c>, <c>plat-x</c>,
/// <c>arch-x</c>), else when it holds a Kraftfile (an app) or a Config.uk (a library). Each has one
/// default channel, <c>default</c>, whose resource is the directory.
/// </summary>
public sealed class DirectorySource(string location, SourceContext context) : IManifestSource
{
    public string Location { get; } = location;
    public string Kind => "directory";
    public SourceContext Context { get; } = context;

    public Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel)
    {
        var dir = ManifestText.Normalise(Location);
        if (!Directory.Exists(dir))
            throw new KraftException($"directory {dir} does not exist", hint: "check the path in the list of sources (kraft pkg source / config.yaml)");
        if (AsComponent(dir) is { } self) return Task.FromResult<IReadOnlyList<Manifest>>([self]);
        var found = new List<Manifest>();
        var seen = new Dictionary<(ComponentType, string), string>();
        foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            cancel.ThrowIfCancellationRequested();
            if (Path.GetFileName(sub).StartsWith('.')) continue;
            if (AsComponent(sub) is not { } m) continue;
            if (seen.TryGetValue((m.Type, m.Name), out var first))
            {
                Context.Reporter.Warn($"{sub} is {m.Id} again (already {first}); the first one is used");
                continue;
            }
            seen[(m.Type, m.Name)] = sub;
            found.Add(m);
        }
        return Task.FromResult<IReadOnlyList<Manifest>>(found);
    }

    /// <summary>The component a directory is, or null when it is none.</summary>
    public static Manifest? AsComponent(string dir)
    {
        var baseName = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
        ComponentType type;
        string name;
        if (ComponentName.TryParse(baseName, out var prefix, out var guessed, out _) && prefix is not null
            && ComponentTypes.TryParse(prefix, out type))
            name = guessed;
        else if (KraftfileLocator.FileNames.Any(f => NonEmpty(Path.Combine(dir, f))))
            (type, name) = (ComponentType.App, baseName);
        else if (NonEmpty(Path.Combine(dir, "Config.uk")))
            (type, name) = (ComponentType.Lib, baseName);
        else
            return null;
        return new Manifest
        {
            Name = name,
            Type = type,
            Origin = dir,
            Provider = "dir",
            Channels = [new ManifestChannel { Name = "default", Default = true, Resource = dir }],
            ListedFrom = dir,
        };
    }

    static bool NonEmpty(string file)
    {
        try { return new FileInfo(file) is { Exists: true, Length: > 0 }; }
        catch (IOException) { return false; }
    }
}
