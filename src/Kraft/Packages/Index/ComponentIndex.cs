using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index;

/// <summary>A component found in the index, with the source that listed it.</summary>
public sealed record IndexEntry(Manifest Manifest, SourceListing Source);

/// <summary>
/// The components of a snapshot, queryable by type and name. Sources are searched in the order
/// the configuration lists them: when two sources offer the same component, the first wins.
/// </summary>
public sealed class ComponentIndex
{
    readonly Dictionary<(ComponentType, string), IndexEntry> _byKey = new();
    readonly List<IndexEntry> _all = [];
    readonly List<IndexEntry> _shadowed = [];

    public IndexSnapshot Snapshot { get; }

    public ComponentIndex(IndexSnapshot snapshot)
    {
        Snapshot = snapshot;
        foreach (var source in snapshot.Sources)
            foreach (var m in source.Manifests)
            {
                var entry = new IndexEntry(m, source);
                if (_byKey.TryAdd((m.Type, m.Name), entry)) _all.Add(entry);
                else _shadowed.Add(entry);
            }
    }

    /// <summary>Every component, first source wins.</summary>
    public IReadOnlyList<IndexEntry> All => _all;
    /// <summary>Components hidden by an earlier source offering the same type and name.</summary>
    public IReadOnlyList<IndexEntry> Shadowed => _shadowed;

    public IndexEntry? Find(ComponentType type, string name) => _byKey.GetValueOrDefault((type, name));

    /// <summary>All components of that name, whatever their type (for "pkg info NAME").</summary>
    public IEnumerable<IndexEntry> FindByName(string name) => _all.Where(e => e.Manifest.Name == name);
}
