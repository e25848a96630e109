using Kraft.Host;
using Kraft.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kraft.Packages.Config;

/// <summary>A string from a configuration file and the line it is on (1-based; 0 when unknown).</summary>
public readonly record struct LocatedValue(string Value, int Line);

/// <summary>What kraft uses of KraftKit's <c>config.yaml</c> (shared/reference/formats.md §2.1).</summary>
public sealed record ConfigYamlFile
{
    public IReadOnlyList<LocatedValue> Manifests { get; init; } = [];
    public IReadOnlyList<LocatedValue> Mirrors { get; init; } = [];
    public string? PathsManifests { get; init; }
    public string? PathsSources { get; init; }
    public IReadOnlyDictionary<string, HostAuth> Auth { get; init; } = new Dictionary<string, HostAuth>();
    public bool? NoParallel { get; init; }
    public string? DefaultPlat { get; init; }
    public string? DefaultArch { get; init; }
}

/// <summary>
/// Reads KraftKit's <c>config.yaml</c> through YamlDotNet's representation model (no reflection).
/// The keys kraft uses are checked for their type; the other keys KraftKit writes are checked
/// loosely (a scalar where KraftKit has a scalar, a mapping where it has a mapping) and ignored;
/// keys nobody knows are ignored, as KraftKit's decoder does.
/// </summary>
public static class ConfigYamlReader
{
    static readonly string[] BoolKeys = ["no_prompt", "no_parallel", "no_emojis", "no_check_updates", "no_color", "no_warn_sudo"];
    static readonly string[] StringKeys = ["editor", "git_protocol", "pager", "qemu", "http_unix_socket", "runtime_dir",
        "default_plat", "default_arch", "containerd_addr", "events_pidfile", "buildkit_host"];

    public static ConfigYamlFile Read(string path) => Parse(ReadText(path).Value, path);

    /// <summary>The file's text, bounded and strictly UTF-8 (an invalid byte is refused at its line:column).</summary>
    internal static TextInput.Text ReadText(string path) => TextInput.ReadFile(path, "config.yaml", YamlLimits.Config.MaxBytes);

    internal static readonly YamlErrorStyle Style = new("not valid YAML",
        "fix the YAML at that place (indentation, a missing ':' or quote), or move the file away to start afresh");

    /// <summary>Parses the text of a config.yaml; <paramref name="path"/> names it in errors.</summary>
    public static ConfigYamlFile Parse(string text, string path)
    {
        var root = LoadRoot(text, path);
        if (root is null)
            return new ConfigYamlFile();
        if (root is not YamlMappingNode map)
            throw TypeError(path, root, "the file", "a mapping of settings (key: value)");

        var result = new ConfigYamlFile();
        foreach (var key in BoolKeys)
            if (Child(map, key) is { } v)
            {
                var b = Bool(path, v, key);
                if (key == "no_parallel") result = result with { NoParallel = b };
            }
        foreach (var key in StringKeys)
            if (Child(map, key) is { } v)
            {
                var s = Str(path, v, key);
                if (key == "default_plat") result = result with { DefaultPlat = s };
                if (key == "default_arch") result = result with { DefaultArch = s };
            }

        if (Mapping(path, Child(map, "paths"), "paths") is { } paths)
        {
            foreach (var k in new[] { "plugins", "config" })
                if (Child(paths, k) is { } v) Str(path, v, "paths." + k);
            result = result with
            {
                PathsManifests = Child(paths, "manifests") is { } m ? Str(path, m, "paths.manifests") : null,
                PathsSources = Child(paths, "sources") is { } s ? Str(path, s, "paths.sources") : null,
            };
        }
        if (Mapping(path, Child(map, "log"), "log") is { } log)
        {
            foreach (var k in new[] { "level", "type" })
                if (Child(log, k) is { } v) Str(path, v, "log." + k);
            if (Child(log, "timestamps") is { } t) Bool(path, t, "log.timestamps");
        }
        if (Mapping(path, Child(map, "unikraft"), "unikraft") is { } uk)
            result = result with
            {
                Manifests = StringList(path, Child(uk, "manifests"), "unikraft.manifests"),
                Mirrors = StringList(path, Child(uk, "mirrors"), "unikraft.mirrors"),
            };
        if (Mapping(path, Child(map, "aliases"), "aliases") is { } aliases)
            foreach (var (k, v) in aliases.Children)
                Mapping(path, v, $"aliases.{Scalar(k)}");
        if (Mapping(path, Child(map, "auth"), "auth") is { } auth)
            result = result with { Auth = ReadAuth(path, auth) };
        return result;
    }

    /// <summary>The root node of the first document, or null for an empty file (or one with only comments).</summary>
    internal static YamlNode? LoadRoot(string text, string path)
    {
        var stream = YamlInput.Load(text, path, YamlLimits.Config, Style);
        if (stream.Documents.Count == 0)
            return null;
        var root = stream.Documents[0].RootNode;
        return IsNull(root) ? null : root;
    }

    static Dictionary<string, HostAuth> ReadAuth(string path, YamlMappingNode auth)
    {
        var result = new Dictionary<string, HostAuth>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in auth.Children)
        {
            var host = Scalar(k) ?? throw TypeError(path, k, "an auth entry's key", "a host name");
            var what = $"auth.{host}";
            var entry = new HostAuth();
            if (Mapping(path, v, what) is { } m)
                entry = new HostAuth
                {
                    User = Child(m, "user") is { } u ? Str(path, u, what + ".user") : null,
                    Token = Child(m, "token") is { } t ? Str(path, t, what + ".token") : null,
                    Endpoint = Child(m, "endpoint") is { } e ? Str(path, e, what + ".endpoint") : null,
                    VerifySsl = Child(m, "verify_ssl") is { } s ? Bool(path, s, what + ".verify_ssl") ?? true : true,
                };
            Kraft.Host.Secrets.Register(entry.Token);
            result[host] = entry;
        }
        return result;
    }

    static List<LocatedValue> StringList(string path, YamlNode? node, string key)
    {
        if (node is null || IsNull(node))
            return [];
        if (node is not YamlSequenceNode seq)
            throw TypeError(path, node, key, "a list of strings (one '- item' per line, or [])");
        var list = new List<LocatedValue>();
        foreach (var item in seq.Children)
        {
            if (item is not YamlScalarNode s || IsNull(s))
                throw TypeError(path, item, $"an item of {key}", "a string");
            var value = s.Value!.Trim();
            if (value.Length == 0)
                throw new KraftException($"an empty item in {key}", Where(path, item), "remove the empty item");
            list.Add(new LocatedValue(value, (int)item.Start.Line));
        }
        return list;
    }

    internal static YamlNode? Child(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && s.Value == key)
                return IsNull(v) ? null : v;
        return null;
    }

    static YamlMappingNode? Mapping(string path, YamlNode? node, string key) => node switch
    {
        null => null,
        _ when IsNull(node) => null,
        YamlMappingNode m => m,
        _ => throw TypeError(path, node, key, "a mapping (key: value lines, or {})"),
    };

    static string? Str(string path, YamlNode node, string key) =>
        node is YamlScalarNode s ? s.Value : throw TypeError(path, node, key, "a string");

    static bool? Bool(string path, YamlNode node, string key)
    {
        if (node is YamlScalarNode s && s.Style is ScalarStyle.Plain or ScalarStyle.Any)
            switch (s.Value?.ToLowerInvariant())
            {
                case "true" or "yes" or "on": return true;
                case "false" or "no" or "off": return false;
            }
        throw TypeError(path, node, key, "true or false");
    }

    static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    internal static SourceLocation Where(string path, YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);

    static KraftException TypeError(string path, YamlNode node, string key, string expected)
    {
        // Values under auth: are tokens (often one written where a mapping belongs): never quoted, only located.
        var secret = key.StartsWith("auth", StringComparison.Ordinal) || key.Contains(" auth ", StringComparison.Ordinal);
        var found = node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode s when IsNull(s) => "nothing",
            YamlScalarNode when secret => "a single value (not shown: it may be a token)",
            YamlScalarNode s => $"'{s.Value}'",
            _ => "something else",
        };
        return new KraftException($"{key} must be {expected}, not {found}", Where(path, node),
            $"write {key} as {expected} (KraftKit's config.yaml format)");
    }
}
