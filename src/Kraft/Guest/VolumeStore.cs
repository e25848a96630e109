using Kraft.Host;
using Kraft.Machines;

namespace Kraft.Guest;

/// <summary>A named volume: a directory kraft manages under the runtime directory.</summary>
public sealed record NamedVolume(string Name, string Path, DateTime Created);

/// <summary>
/// Named volumes (<c>kraft vol create/ls/rm</c>), each a folder &lt;runtime&gt;/volumes/&lt;name&gt;
/// shared with guests over 9pfs. Creating and removing hold the store's lock.
/// </summary>
public sealed class VolumeStore(string runtimeDir)
{
    public string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetFullPath(runtimeDir), "volumes");

    string PathOf(string name) => ContainedPath.Combine(Root, Names.Check(NameKind.Volume, name));

    FileLock Lock() => FileLock.Acquire(System.IO.Path.Combine(Root, ".lock"), "the volume store", NullReporter.Instance, CancellationToken.None);

    public NamedVolume Create(string name)
    {
        Names.Check(NameKind.Volume, name);
        Directory.CreateDirectory(Root);
        using var _ = Lock();
        var path = PathOf(name);
        if (Directory.Exists(path))
            throw new KraftException($"volume '{name}' already exists", hint: $"use it with -v {name}:/path, or remove it with kraft vol rm {name}");
        Directory.CreateDirectory(path);
        return Get(name)!;
    }

    public NamedVolume? Get(string name)
    {
        if (!Names.IsValid(name)) return null;
        var path = PathOf(name);
        return Directory.Exists(path) ? new NamedVolume(name, path, Directory.GetCreationTimeUtc(path)) : null;
    }

    public IReadOnlyList<NamedVolume> List()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.GetDirectories(Root)
            .Select(System.IO.Path.GetFileName)
            .Where(n => Names.IsValid(n))
            .Order(StringComparer.Ordinal)
            .Select(n => Get(n!)!)
            .ToList();
    }

    /// <summary>Removes a volume and its content; refused while <paramref name="usedBy"/> names machines using it.</summary>
    public void Remove(string name, IReadOnlyList<string>? usedBy = null)
    {
        using var _ = Lock();
        if (Get(name) is not { } v)
            throw NotFound(name);
        if (usedBy is { Count: > 0 })
            throw new KraftException($"volume '{name}' is in use by {string.Join(", ", usedBy)}", hint: "remove those machines first (kraft rm)");
        Directory.Delete(v.Path, recursive: true);
    }

    public KraftException NotFound(string name)
    {
        var names = List().Select(v => v.Name).ToList();
        var near = Suggestions.SimilarNames(name, names).FirstOrDefault();
        return new KraftException($"no volume named {Names.Quote(name)}",
            hint: near is not null ? $"did you mean '{near}'?" : $"create it with: kraft vol create {name}");
    }

    /// <summary>
    /// The mount for a -v or Kraftfile source: a named volume when one has that name (and the
    /// source has no '/'), else a host directory that must exist.
    /// </summary>
    public VolumeMount Resolve(string source, string guestPath, bool readOnly, string baseDir)
    {
        if (!source.Contains('/') && Get(source) is { } named)
            return new VolumeMount { Source = named.Path, GuestPath = guestPath, ReadOnly = readOnly, VolumeName = named.Name };
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, source));
        if (Directory.Exists(full)) return new VolumeMount { Source = full, GuestPath = guestPath, ReadOnly = readOnly };
        if (File.Exists(full))
            throw new KraftException($"volume source {source} is a file; 9pfs shares directories",
                hint: "share the directory that holds it, or put the file into the root filesystem (--rootfs)");
        if (!source.Contains('/') && Names.IsValid(source))
            throw new KraftException($"volume '{source}' does not exist: there is no volume with that name and no directory {full}",
                hint: $"create it with: kraft vol create {source}   (or give a directory path, e.g. ./{source})");
        throw new KraftException($"volume source directory {full} does not exist", hint: VolumeFlag.Hint);
    }
}
