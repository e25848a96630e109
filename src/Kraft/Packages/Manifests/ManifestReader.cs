using System.Text.RegularExpressions;
using Kraft.Project;
using Kraft.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kraft.Packages.Manifests;

/// <summary>
/// A manifest file as read: the component, or an indirection (<c>manifest: ./x.yaml</c>) to the
/// file that describes it.
/// </summary>
public sealed record ManifestFile(Manifest Manifest, string? Reference, SourceLocation At, SourceLocation? ReferenceAt);

/// <summary>An index file (<c>manifests:</c> list) as read, before its references are followed.</summary>
public sealed record IndexDocument(string Location, string? Name, DateTimeOffset? LastUpdated, IReadOnlyList<ManifestFile> Entries);

/// <summary>
/// Reads KraftKit's component manifests and indexes (shared/reference/formats.md §1.2–1.3)
/// through YamlDotNet's representation model (no reflection, so NativeAOT keeps working).
/// Every error names the file or URL with line and column and says how to fix it; keys this
/// reader does not know (KraftKit's <c>latest</c>, a channel's <c>manifest</c>…) are ignored.
/// </summary>
public static partial class ManifestReader
{
    /// <summary>Reads a file that may be either an index or a single manifest; the top-level <c>manifests:</c> key tells.</summary>
    public static (IndexDocument? Index, ManifestFile? Manifest) ReadAny(string text, string location)
    {
        var root = LoadRoot(text, location, "a manifest or an index");
        if (Child(root, "manifests") is not null)
            return (ReadIndex(root, location), null);
        return (null, ReadManifest(root, location, "manifest"));
    }

    /// <summary>Reads one component manifest (which may be an indirection to another file).</summary>
    public static ManifestFile ReadManifest(string text, string location) =>
        ReadManifest(LoadRoot(text, location, "a component manifest"), location, "manifest");

    /// <summary>Reads an index: a <c>manifests:</c> list of inline manifests or references to manifest files.</summary>
    public static IndexDocument ReadIndex(string text, string location) =>
        ReadIndex(LoadRoot(text, location, "an index"), location);

    /// <summary>True when the YAML text has a top-level <c>manifests:</c> key (an index rather than one manifest).</summary>
    public static bool LooksLikeIndex(string text, string location) =>
        Child(LoadRoot(text, location, "a manifest or an index"), "manifests") is not null;

    static IndexDocument ReadIndex(YamlMappingNode root, string location)
    {
        var list = Child(root, "manifests");
        if (list is null || YamlValues.IsNull(list))
            throw new KraftException("the index lists no components: it has no 'manifests:' list", At(location, list ?? root),
                "an index is a map with a 'manifests:' list of components ({name, type, manifest: ./file.yaml} or inline manifests)");
        if (list is not YamlSequenceNode seq)
            throw new KraftException($"'manifests' must be a list, not {YamlValues.Describe(list)}", At(location, list),
                "write each component as a list item starting with '- name: ...'");
        var entries = new List<ManifestFile>(seq.Children.Count);
        var seen = new Dictionary<(ComponentType, string), SourceLocation>();
        foreach (var item in seq.Children)
        {
            var entry = ReadManifest(item, location, "index entry");
            var key = (entry.Manifest.Type, entry.Manifest.Name);
            if (seen.TryGetValue(key, out var first))
                throw new KraftException(
                    $"the index lists {entry.Manifest.Id} twice: here and at {first}", entry.At,
                    "keep one entry per component type and name");
            seen[key] = entry.At;
            entries.Add(entry);
        }
        string? name = OptionalString(root, "name", location);
        DateTimeOffset? updated = OptionalString(root, "last_updated", location) is { } t ? Timestamps.TryParse(t) : null;
        return new IndexDocument(location, name, updated, entries);
    }

    static ManifestFile ReadManifest(YamlNode node, string location, string what)
    {
        if (node is not YamlMappingNode map)
            throw new KraftException($"a {what} must be a map with 'name' and 'type', not {YamlValues.Describe(node)}", At(location, node),
                "write it as 'name: NAME' and 'type: lib' (with channels or versions) on separate lines");
        var at = At(location, map);
        var name = OptionalString(map, "name", location)
            ?? throw new KraftException($"the {what} has no name", at, "add 'name: NAME' (e.g. name: musl)");
        if (!NamePattern().IsMatch(name))
            throw new KraftException($"'{name}' is not a valid component name", At(location, Child(map, "name")!),
                "names are letters, digits, '.', '_', '+' and '-', starting with a letter or digit (they become directory names)");
        var typeText = OptionalString(map, "type", location)
            ?? throw new KraftException($"the {what} for '{name}' has no type", at, $"add 'type: lib' (one of {ComponentTypes.Allowed})");
        if (!ComponentTypes.TryParse(typeText, out var type))
            throw new KraftException($"unknown component type '{typeText}' for '{name}'", At(location, Child(map, "type")!),
                $"the type must be one of {ComponentTypes.Allowed}");
        var reference = StoredUrl(OptionalString(map, "manifest", location));
        var provider = OptionalString(map, "provider", location);
        if (provider == "directory") provider = "dir";
        var manifest = new Manifest
        {
            Name = name,
            Type = type,
            Description = OptionalString(map, "description", location),
            Origin = StoredUrl(OptionalString(map, "origin", location)),
            Provider = provider,
            Channels = ReadList(map, "channels", location, ReadChannel),
            Versions = ReadList(map, "versions", location, ReadVersion),
            ListedFrom = location,
        };
        var defaults = manifest.Channels.Count(c => c.Default);
        if (defaults > 1)
            throw new KraftException($"'{name}' marks {defaults} channels as default", At(location, Child(map, "channels")!),
                "mark at most one channel with 'default: true'");
        return new ManifestFile(manifest, reference, at, reference is null ? null : At(location, Child(map, "manifest")!));
    }

    /// <summary>
    /// A URL of a listed manifest as kraft keeps it: without a user part. A credential written into it
    /// stays in this process's memory only (<see cref="Kraft.Host.Secrets"/> sends it to that origin),
    /// so it never reaches index.json, a lock or a message; later runs use config.yaml's auth:.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(url))]
    static string? StoredUrl(string? url) => url is null ? null : Kraft.Host.Secrets.StripUserInfo(url);

    static ManifestChannel ReadChannel(YamlMappingNode map, string location)
    {
        var name = OptionalString(map, "name", location)
            ?? throw new KraftException("a channel has no name", At(location, map), "add 'name: stable' (channels are branches such as stable or staging)");
        var resource = OptionalString(map, "resource", location)
            ?? throw new KraftException($"channel '{name}' has no resource", At(location, map),
                "add 'resource: URL' (a tarball, a git repository or a directory)");
        return new ManifestChannel
        {
            Name = name,
            Default = Child(map, "default") is { } d && Bool(d, "default", location),
            Latest = OptionalString(map, "latest", location),
            Resource = StoredUrl(resource),
            Sha256 = Sha256(map, location),
            Commit = Commit(map, location),
        };
    }

    static ManifestVersion ReadVersion(YamlMappingNode map, string location)
    {
        var version = OptionalString(map, "version", location)
            ?? throw new KraftException("a version has no 'version'", At(location, map), "add 'version: v0.17.0' (a tag, a release or a commit)");
        var resource = OptionalString(map, "resource", location)
            ?? throw new KraftException($"version '{version}' has no resource", At(location, map),
                "add 'resource: URL' (a tarball, a git repository or a directory)");
        return new ManifestVersion
        {
            Version = version,
            Resource = StoredUrl(resource),
            Sha256 = Sha256(map, location),
            Type = OptionalString(map, "type", location),
            Unikraft = OptionalString(map, "unikraft", location),
            Commit = Commit(map, location),
        };
    }

    static IReadOnlyList<T> ReadList<T>(YamlMappingNode map, string key, string location, Func<YamlMappingNode, string, T> read)
    {
        var node = Child(map, key);
        if (node is null || YamlValues.IsNull(node)) return [];
        if (node is not YamlSequenceNode seq)
            throw new KraftException($"'{key}' must be a list, not {YamlValues.Describe(node)}", At(location, node),
                $"write each of the {key} as a list item starting with '- '");
        var result = new List<T>(seq.Children.Count);
        foreach (var item in seq.Children)
        {
            if (item is not YamlMappingNode m)
                throw new KraftException($"an entry of '{key}' must be a map, not {YamlValues.Describe(item)}", At(location, item),
                    key == "channels" ? "write '- name: stable' and 'resource: URL'" : "write '- version: v0.17.0' and 'resource: URL'");
            result.Add(read(m, location));
        }
        return result;
    }

    static string? Sha256(YamlMappingNode map, string location)
    {
        var node = Child(map, "sha256");
        if (node is null) return null;
        var text = OptionalString(map, "sha256", location);
        if (string.IsNullOrEmpty(text)) return null;
        if (!Sha256Pattern().IsMatch(text))
            throw new KraftException($"sha256 '{text}' is not a SHA-256 digest ({text.Length} characters)", At(location, node),
                "a sha256 is 64 hexadecimal characters, as printed by 'sha256sum FILE'");
        return text.ToLowerInvariant();
    }

    static string? Commit(YamlMappingNode map, string location)
    {
        var node = Child(map, "commit");
        if (node is null) return null;
        var text = OptionalString(map, "commit", location);
        if (string.IsNullOrEmpty(text)) return null;
        if (!CommitPattern().IsMatch(text))
            throw new KraftException($"commit '{text}' is not a git commit id", At(location, node), "a commit is 7 to 64 hexadecimal characters");
        return text.ToLowerInvariant();
    }

    // ---- YAML plumbing ----

    static YamlMappingNode LoadRoot(string text, string location, string what)
    {
        var stream = YamlInput.Load(text, location, YamlLimits.Manifest);
        if (stream.Documents.Count == 0 || YamlValues.IsNull(stream.Documents[0].RootNode))
            throw new KraftException($"the file is empty; expected {what}", new SourceLocation(location),
                "a manifest needs at least 'name:' and 'type:'; an index needs a 'manifests:' list");
        var root = stream.Documents[0].RootNode;
        return root as YamlMappingNode
            ?? throw new KraftException($"expected {what} (a YAML map), not {YamlValues.Describe(root)}", At(location, root),
                "a manifest starts with 'name:' and 'type:'; an index with 'manifests:'");
    }

    internal static SourceLocation At(string location, YamlNode node) => new(location, (int)node.Start.Line, (int)node.Start.Column);

    static YamlNode? Child(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && s.Value == key) return v;
        return null;
    }

    static string? OptionalString(YamlMappingNode map, string key, string location)
    {
        var node = Child(map, key);
        if (node is null || YamlValues.IsNull(node)) return null;
        if (node is not YamlScalarNode s)
            throw new KraftException($"'{key}' must be a single value, not {YamlValues.Describe(node)}", At(location, node),
                $"write '{key}: VALUE' on one line");
        // The text as written: a digest of digits only or a version such as 010 is no number.
        var text = (s.Value ?? "").Trim();
        return text.Length == 0 ? null : text;
    }

    static bool Bool(YamlNode node, string key, string location)
    {
        if (node is YamlScalarNode s)
        {
            if (YamlValues.IsNull(s)) return false;
            if (YamlValues.KindOf(s) == ScalarKind.Bool) return YamlValues.IsTrue(s);
        }
        throw new KraftException($"'{key}' must be true or false, not {YamlValues.Describe(node)}", At(location, node), $"write '{key}: true'");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{7,64}$")]
    private static partial Regex CommitPattern();
}
