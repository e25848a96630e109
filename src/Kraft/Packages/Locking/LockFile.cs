using System.Text;
using System.Text.RegularExpressions;
using Kraft.Host;
using Kraft.Yaml;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kraft.Packages.Locking;

/// <summary>One component in Kraftfile.lock: what the Kraftfile asked and what that resolved to.</summary>
public sealed record LockEntry(ComponentRequest Request, ResolvedSource Resolved);

/// <summary>
/// One archive a library's Makefile.uk downloads (its origin): the library (make's name, e.g.
/// liblwip), the file name make stores it under, the URL make asks for, and its sha256.
/// </summary>
public sealed record LockedOrigin(string Library, string File, string Url, string Sha256);

/// <summary>
/// Kraftfile.lock: a readable YAML file beside the Kraftfile recording, for each component, the
/// request (type, name, source, version) and its exact resolution (a git commit with its URL and
/// ref, an archive URL with its sha256, or a directory) and the index source it came from. Builds
/// reuse an entry while the request is unchanged, so two machines with one lock build the same
/// sources. It is always written whole, through a temporary file.
/// </summary>
public sealed partial class LockFile
{
    public const string FileName = "Kraftfile.lock";
    public const int FormatVersion = 1;

    public string Path { get; }
    public IReadOnlyList<LockEntry> Entries { get; }
    /// <summary>The archives libraries download during the build (library origins), by library and file.</summary>
    public IReadOnlyList<LockedOrigin> Origins { get; }

    public LockFile(string path, IReadOnlyList<LockEntry> entries, IReadOnlyList<LockedOrigin>? origins = null)
    {
        Path = path;
        Entries = entries;
        Origins = origins ?? [];
    }

    public LockedOrigin? FindOrigin(string library, string file) =>
        Origins.FirstOrDefault(o => o.Library == library && o.File == file);

    /// <summary>Kraftfile.lock beside the Kraftfile.</summary>
    public static string PathFor(string kraftfilePath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(kraftfilePath))!, FileName);

    Dictionary<(ComponentType, string), LockEntry>? _byName;

    public LockEntry? Find(ComponentType type, string name)
    {
        // A dictionary, not a scan: a lock is looked up once per component.
        _byName ??= Entries.GroupBy(e => (e.Request.Type, e.Request.Name)).ToDictionary(g => g.Key, g => g.First());
        return _byName.GetValueOrDefault((type, name));
    }

    /// <summary>The lock at <paramref name="path"/>, or null when there is none.</summary>
    public static LockFile? Load(string path)
    {
        if (!File.Exists(path)) return null;
        return Parse(path, TextInput.ReadFile(path, "Kraftfile.lock", YamlLimits.Lock.MaxBytes).Value);
    }

    const string Hint = "Kraftfile.lock is written by 'kraft build': fix the line, or delete the file and build again (every component is then resolved anew)";

    public static LockFile Parse(string path, string text)
    {
        var projectDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        KraftException Error(YamlNode? node, string message) =>
            new(message, node is null ? new SourceLocation(path, 1) : new SourceLocation(path, (int)node.Start.Line, (int)node.Start.Column), Hint);

        var stream = YamlInput.Load(text, path, YamlLimits.Lock, new YamlErrorStyle("malformed YAML", Hint));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw Error(stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode, "the lock file must be a map with 'version' and 'components'");

        var version = Scalar(path, root, "version");
        if (version is null || version.Value != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw Error((YamlNode?)version ?? root, $"unsupported lock file version '{version?.Value}' (this kraft writes version {FormatVersion})");
        var entries = new List<LockEntry>();
        var seen = new HashSet<(ComponentType, string)>();
        var origins = ParseOrigins(path, root, Error);
        if (Child(root, "components") is not { } list || list is YamlScalarNode { Value: null or "" or "~" or "null" })
            return new LockFile(path, entries, origins);
        if (list is not YamlSequenceNode seq) throw Error(list, "'components' must be a list");
        foreach (var item in seq)
        {
            if (item is not YamlMappingNode map) throw Error(item, "each component must be a map (type, name, requested, resolved)");
            string Required(YamlMappingNode m, string key) =>
                Scalar(path, m, key)?.Value is { Length: > 0 } v ? v : throw Error(Child(m, key) ?? m, $"'{key}' is missing");
            var typeText = Required(map, "type");
            if (!ComponentTypes.TryParse(typeText, out var type))
                throw Error(Child(map, "type"), $"unknown component type '{typeText}' (one of {ComponentTypes.Allowed})");
            var name = Names.Check(NameKind.Component, Required(map, "name"), Child(map, "name") is { } nameNode
                ? new SourceLocation(path, (int)nameNode.Start.Line, (int)nameNode.Start.Column) : null);
            var requested = Child(map, "requested") as YamlMappingNode;
            var request = new ComponentRequest(type, name, requested is null ? null : Scalar(path, requested, "source")?.Value,
                requested is null ? null : Scalar(path, requested, "version")?.Value);
            if (Child(map, "resolved") is not YamlMappingNode res) throw Error(Child(map, "resolved") ?? map, $"{type.Name()}/{name} has no 'resolved' map");
            var kindText = Required(res, "kind");
            var kind = kindText switch
            {
                "git" => SourceKind.Git,
                "archive" => SourceKind.Archive,
                "directory" => SourceKind.LocalDirectory,
                _ => throw Error(Child(res, "kind"), $"unknown kind '{kindText}' (git, archive or directory)"),
            };
            string? Opt(string key) => Scalar(path, res, key)?.Value is { Length: > 0 } v ? v : null;
            var location = kind == SourceKind.LocalDirectory ? Required(res, "path") : Required(res, "url");
            if (kind == SourceKind.LocalDirectory && !System.IO.Path.IsPathRooted(location))
                location = System.IO.Path.GetFullPath(System.IO.Path.Combine(projectDir, location));
            var commit = Opt("commit");
            var sha = Opt("sha256");
            if (kind == SourceKind.Git && (commit is null || !VersionText.IsFullCommit(commit)))
                throw Error(Child(res, "commit") ?? res, $"{type.Name()}/{name}: 'commit' must be a full 40-character commit hash");
            if (kind == SourceKind.Archive && (sha is null || !Sha256Pattern().IsMatch(sha)))
                throw Error(Child(res, "sha256") ?? res, $"{type.Name()}/{name}: 'sha256' must be 64 lowercase hex digits");
            if (!seen.Add((type, name)))
                throw Error(map, $"{type.Name()}/{name} appears twice");
            entries.Add(new LockEntry(request, new ResolvedSource
            {
                Kind = kind, Location = location, Commit = commit?.ToLowerInvariant(), Sha256 = sha, Ref = Opt("ref"),
                Index = Opt("index"), Manifest = Opt("manifest"),
            }));
        }
        return new LockFile(path, entries, origins);
    }

    static List<LockedOrigin> ParseOrigins(string path, YamlMappingNode root, Func<YamlNode?, string, KraftException> error)
    {
        var origins = new List<LockedOrigin>();
        if (Child(root, "origins") is not { } node) return origins;
        if (node is not YamlSequenceNode seq) throw error(node, "'origins' must be a list");
        foreach (var item in seq)
        {
            if (item is not YamlMappingNode map) throw error(item, "each origin must be a map (library, file, url, sha256)");
            string Required(string key) =>
                Scalar(path, map, key)?.Value is { Length: > 0 } v ? v : throw error(Child(map, key) ?? map, $"'{key}' is missing");
            var o = new LockedOrigin(Required("library"), Required("file"), Required("url"), Required("sha256"));
            if (!Sha256Pattern().IsMatch(o.Sha256))
                throw error(Child(map, "sha256"), $"origin {o.Library}/{o.File}: 'sha256' must be 64 lowercase hex digits");
            if (origins.Any(x => x.Library == o.Library && x.File == o.File))
                throw error(map, $"origin {o.Library}/{o.File} appears twice");
            origins.Add(o);
        }
        return origins;
    }

    /// <summary>The file's text: a header, then every component in the Kraftfile's order.</summary>
    public static string Format(string path, IEnumerable<LockEntry> entries, IEnumerable<LockedOrigin>? origins = null)
    {
        var projectDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var sb = new StringBuilder();
        sb.Append("# Kraftfile.lock: the exact sources of every component of the Kraftfile, written by kraft build.\n");
        sb.Append("# Commit it. 'kraft build --locked' fails rather than change it; 'kraft pkg update --component NAME'\n");
        sb.Append("# re-resolves one component. Hand edits are possible but rarely needed.\n");
        sb.Append($"version: {FormatVersion}\n");
        sb.Append("components:\n");
        foreach (var (req, res) in entries)
        {
            sb.Append($"  - type: {req.Type.Name()}\n");
            sb.Append($"    name: {Quote(req.Name)}\n");
            if (req.Source is not null || req.Version is not null)
            {
                sb.Append("    requested:\n");
                if (req.Source is not null) sb.Append($"      source: {Quote(req.Source)}\n");
                if (req.Version is not null) sb.Append($"      version: {Quote(req.Version)}\n");
            }
            sb.Append("    resolved:\n");
            sb.Append($"      kind: {ResolvedSource.KindName(res.Kind)}\n");
            if (res.Kind == SourceKind.LocalDirectory)
                sb.Append($"      path: {Quote(System.IO.Path.GetRelativePath(projectDir, res.Location).Replace('\\', '/'))}\n");
            else
                sb.Append($"      url: {Quote(res.Location)}\n");
            if (res.Ref is not null) sb.Append($"      ref: {Quote(res.Ref)}\n");
            if (res.Commit is not null) sb.Append($"      commit: {Quote(res.Commit)}\n");
            if (res.Sha256 is not null) sb.Append($"      sha256: {Quote(res.Sha256)}\n");
            if (res.Index is not null) sb.Append($"      index: {Quote(res.Index)}\n");
            if (res.Manifest is not null) sb.Append($"      manifest: {Quote(res.Manifest)}\n");
        }
        var list = (origins ?? []).OrderBy(o => o.Library, StringComparer.Ordinal).ThenBy(o => o.File, StringComparer.Ordinal).ToList();
        if (list.Count > 0)
        {
            sb.Append("# Archives the libraries' Makefile.uk download during the build, checked on every fetch.\n");
            sb.Append("origins:\n");
            foreach (var o in list)
            {
                sb.Append($"  - library: {Quote(o.Library)}\n");
                sb.Append($"    file: {Quote(o.File)}\n");
                sb.Append($"    url: {Quote(o.Url)}\n");
                sb.Append($"    sha256: {o.Sha256}\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>Writes the lock atomically (never half a file).</summary>
    public static void Save(string path, IEnumerable<LockEntry> entries, IEnumerable<LockedOrigin>? origins = null) =>
        AtomicFile.WriteAllText(path, Format(path, entries, origins));

    /// <summary>A YAML scalar: plain when that reads back as the same string, else double-quoted.</summary>
    internal static string Quote(string s)
    {
        if (PlainSafe().IsMatch(s) && !Reserved().IsMatch(s)) return s;
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
            sb.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)ch:x2}",
                _ => ch.ToString(),
            });
        return sb.Append('"').ToString();
    }

    static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    static YamlScalarNode? Scalar(string path, YamlMappingNode map, string key) => Child(map, key) switch
    {
        null => null,
        YamlScalarNode s when s.Style == ScalarStyle.Plain && s.Value is "~" or "null" or "" => null,
        YamlScalarNode s => s,
        var other => throw new KraftException($"'{key}' must be a single value", new SourceLocation(path, (int)other.Start.Line, (int)other.Start.Column), Hint),
    };

    [GeneratedRegex(@"^[A-Za-z0-9_/.@+~-][A-Za-z0-9_/.:@+~=-]*$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^(?:true|false|yes|no|on|off|null|y|n|~|[-+]?[0-9][0-9_.eE+-]*|\.inf|\.nan|[-+]?\.?[0-9]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Reserved();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
