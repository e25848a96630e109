using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Reads the component fields of a Kraftfile: <c>unikraft</c>, each <c>libraries</c> entry,
/// <c>template</c> and <c>runtime</c>, in their string shorthand or their map long-hand.
/// </summary>
internal static class ComponentParser
{
    private readonly record struct Origin(string? Source, string? Version);

    public static Component Core(KraftfileContext ctx, YamlNode node)
    {
        var c = node switch
        {
            YamlMappingNode map => FromMap(ctx, map, "unikraft", ComponentKind.Core, allowName: false),
            YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.Null =>
                new Component { Name = "unikraft", Kind = ComponentKind.Core },
            YamlScalarNode s when YamlValues.KindOf(s) != ScalarKind.Bool => FromShorthand(ctx, YamlValues.Text(s), "unikraft", ComponentKind.Core),
            _ => throw ctx.Error(node, $"'unikraft' must be a version, a source or a map, not {YamlValues.Describe(node)}",
                "e.g. unikraft: stable, or unikraft: {source: https://github.com/unikraft/unikraft.git, version: staging}"),
        };
        return c with { Location = ctx.At(node) };
    }

    public static Component Library(KraftfileContext ctx, YamlScalarNode keyNode, string name, YamlNode value)
    {
        // The key names the folder .unikraft/libs/NAME: checked here, where it enters.
        Names.Check(NameKind.Library, name, ctx.At(keyNode));
        var c = value switch
        {
            YamlMappingNode map => FromMap(ctx, map, name, ComponentKind.Library, allowName: false),
            YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.String => FromShorthand(ctx, s.Value ?? "", name, ComponentKind.Library),
            _ => throw ctx.Error(YamlValues.IsNull(value) ? keyNode : value,
                $"library '{name}' has an invalid value: {YamlValues.Describe(value)}",
                $"give a version, a source or a map, e.g. {name}: stable (quote numeric versions: {name}: '2.1')"),
        };
        return c with { Location = ctx.At(keyNode) };
    }

    public static Component Template(KraftfileContext ctx, YamlNode node)
    {
        const string hint = "e.g. template: app/elfloader:stable, or template: {source: https://github.com/unikraft/app-elfloader.git, version: staging}";
        Component c;
        if (node is YamlMappingNode map)
        {
            c = FromMap(ctx, map, null, ComponentKind.Application, allowName: true);
            if (c.Name.Length == 0) throw ctx.Error(node, "'template' needs a name or a source", hint);
        }
        else if (node is YamlScalarNode s && YamlValues.KindOf(s) == ScalarKind.String)
        {
            var text = s.Value ?? "";
            if (IsLocalDirectory(ctx, text) || TryParseRemote(text, out _, out _))
                c = FromShorthand(ctx, text, null, ComponentKind.Application);
            else if (ComponentName.TryParse(text, out var type, out var name, out var version) && type is null or "app")
                c = new Component { Name = name, Kind = ComponentKind.Application, Version = version };
            else
                throw ctx.Error(node, $"'{text}' is not an application template", hint);
        }
        else throw ctx.Error(node, $"'template' must be a string or a map, not {YamlValues.Describe(node)}", hint);
        Names.Check(NameKind.Template, c.Name, ctx.At(node));
        return c with { Location = ctx.At(node) };
    }

    public static Component Runtime(KraftfileContext ctx, YamlNode node)
    {
        const string hint = "e.g. runtime: base:latest, runtime: oci://unikraft.org/nginx:1.25 or runtime: kernel://./build/app_qemu-x86_64";
        Component c;
        if (node is YamlMappingNode map)
        {
            string? name = null, version = null, source = null;
            IReadOnlyList<KconfigOption> kconfig = [];
            foreach (var (key, keyNode, value) in ctx.Entries(map))
            {
                switch (key)
                {
                    case "name": name = ctx.OptionalString(value, "runtime.name"); break;
                    case "version": version = ctx.OptionalString(value, "runtime.version"); break;
                    case "source":
                        var from = ParseRuntimeString(ctx, value, ctx.RequiredString(value, "runtime.source", hint));
                        source = from.Source;
                        name ??= from.Name;
                        version ??= from.Version;
                        break;
                    case "kconfig": kconfig = KconfigParser.Parse(ctx, value); break;
                    default: WarnUnknown(ctx, keyNode, key, "runtime"); break;
                }
            }
            if (string.IsNullOrEmpty(name)) throw ctx.Error(node, "'runtime' needs a name or a source", hint);
            c = new Component { Name = name, Kind = ComponentKind.Runtime, Source = source, Version = version, Kconfig = kconfig };
        }
        else if (node is YamlScalarNode s && YamlValues.KindOf(s) == ScalarKind.String)
            c = ParseRuntimeString(ctx, node, s.Value ?? "");
        else throw ctx.Error(node, $"'runtime' must be a string or a map, not {YamlValues.Describe(node)}", hint);
        return c with { Location = ctx.At(node) };
    }

    /// <summary>oci://ref, kernel://path or name[:version], where the name may start with a registry host:port.</summary>
    private static Component ParseRuntimeString(KraftfileContext ctx, YamlNode node, string text)
    {
        const string kernelScheme = "kernel://", ociScheme = "oci://";
        if (text.StartsWith(kernelScheme, StringComparison.Ordinal))
        {
            var path = text[kernelScheme.Length..];
            if (path.Length == 0) throw ctx.Error(node, "'kernel://' needs a path to a kernel image");
            var full = ctx.ResolvePath(path);
            return new Component { Name = Path.GetFileName(full), Kind = ComponentKind.Runtime, Source = kernelScheme + full };
        }
        var isOci = text.StartsWith(ociScheme, StringComparison.Ordinal);
        var reference = isOci ? text[ociScheme.Length..] : text;
        var (name, version) = ImageReference.Split(reference);
        if (name.Length == 0 || name.Any(char.IsWhiteSpace) || version is { Length: 0 })
            throw ctx.Error(node, $"'{text}' is not a valid runtime reference", "write name[:version], e.g. base:latest or unikraft.org/python3:3.12");
        return new Component { Name = name, Kind = ComponentKind.Runtime, Version = version, Source = isOci ? text : null };
    }

    /// <summary>The map long-hand shared by unikraft, libraries and templates: source, version, kconfig (and name for templates).</summary>
    private static Component FromMap(KraftfileContext ctx, YamlMappingNode map, string? fixedName, ComponentKind kind, bool allowName)
    {
        string? name = null, source = null, version = null, sourceVersion = null;
        IReadOnlyList<KconfigOption> kconfig = [];
        var field = fixedName ?? "template";
        foreach (var (key, keyNode, value) in ctx.Entries(map))
        {
            switch (key)
            {
                case "name" when allowName: name = ctx.OptionalString(value, $"{field}.name"); break;
                case "source":
                    var text = ctx.RequiredString(value, $"{field}.source");
                    (source, sourceVersion) = FromSourceField(ctx, text);
                    break;
                case "version": version = ctx.OptionalString(value, $"{field}.version"); break;
                case "kconfig": kconfig = KconfigParser.Parse(ctx, value); break;
                default: WarnUnknown(ctx, keyNode, key, field); break;
            }
        }
        name ??= fixedName ?? (source is null ? "" : ComponentName.FromLocation(source));
        return new Component { Name = name, Kind = kind, Source = source, Version = version ?? sourceVersion, Kconfig = kconfig };
    }

    private static Component FromShorthand(KraftfileContext ctx, string text, string? fixedName, ComponentKind kind)
    {
        var origin = InterpretShorthand(ctx, text);
        var name = fixedName ?? (origin.Source is null ? "" : ComponentName.FromLocation(origin.Source));
        return new Component { Name = name, Kind = kind, Source = origin.Source, Version = origin.Version };
    }

    /// <summary>
    /// A string shorthand is, in this order: an existing directory (relative to the Kraftfile),
    /// a remote URL (with an optional ?branch=/tag=/version= or @ref), something written as a
    /// path (./, ../, /, ~/) that does not exist yet, or else a version such as "stable".
    /// </summary>
    private static Origin InterpretShorthand(KraftfileContext ctx, string text)
    {
        if (IsLocalDirectory(ctx, text)) return new(ctx.ResolvePath(text), null);
        if (TryParseRemote(text, out var source, out var version)) return new(source, version);
        if (LooksLikePath(text)) return new(ctx.ResolvePath(text), null);
        return new(null, text);
    }

    /// <summary>An explicit "source:" is a remote URL or else a local path, never a version.</summary>
    private static Origin FromSourceField(KraftfileContext ctx, string text) =>
        TryParseRemote(text, out var source, out var version) ? new(source, version) : new(ctx.ResolvePath(text), null);

    private static bool IsLocalDirectory(KraftfileContext ctx, string text)
    {
        if (text.Length == 0 || text.Contains("://", StringComparison.Ordinal)) return false;
        try { return Directory.Exists(ctx.ResolvePath(text)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return false; }
    }

    private static bool LooksLikePath(string text) =>
        text.StartsWith('/') || text.StartsWith("./", StringComparison.Ordinal) || text.StartsWith("../", StringComparison.Ordinal) ||
        text.StartsWith("~/", StringComparison.Ordinal) || text is "." or "..";

    /// <summary>
    /// A remote source: a URL with a host, a file:// URL, or an scp-like git address (git@host:owner/repo.git).
    /// A ?branch=, ?tag= or ?version= query parameter, or an @ref suffix after the repository
    /// name, is taken out of the URL and returned as the version.
    /// </summary>
    internal static bool TryParseRemote(string text, out string source, out string? version)
    {
        source = text;
        version = null;
        if (!text.Contains("://", StringComparison.Ordinal))
            return ScpLike(text);
        // file:// URLs have no host but are git remotes all the same (local mirrors, tests).
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (string.IsNullOrEmpty(uri.Host) && !uri.IsFile))
            return false;

        var query = text.IndexOf('?');
        var fragment = text.IndexOf('#');
        var end = query >= 0 ? query : fragment >= 0 ? fragment : text.Length;
        var baseUrl = text[..end];
        if (query >= 0)
        {
            var queryEnd = fragment > query ? fragment : text.Length;
            var kept = new List<string>();
            var pairs = text[(query + 1)..queryEnd].Split('&', StringSplitOptions.RemoveEmptyEntries);
            foreach (var key in (string[])["branch", "tag", "version"])
            {
                var pair = pairs.FirstOrDefault(p => p.StartsWith(key + "=", StringComparison.Ordinal));
                if (version is null && pair is not null) version = Uri.UnescapeDataString(pair[(key.Length + 1)..]);
            }
            kept.AddRange(pairs.Where(p => !p.StartsWith("branch=", StringComparison.Ordinal) &&
                !p.StartsWith("tag=", StringComparison.Ordinal) && !p.StartsWith("version=", StringComparison.Ordinal)));
            if (kept.Count > 0) baseUrl += "?" + string.Join('&', kept);
        }
        // The docs write https://github.com/unikraft/unikraft.git@staging; only the last path segment
        // is looked at, so user@host in the authority is left alone.
        var slash = baseUrl.LastIndexOf('/');
        var at = baseUrl.IndexOf('@', slash + 1);
        if (version is null && at > slash && slash > baseUrl.IndexOf("://", StringComparison.Ordinal) + 2 && at < baseUrl.Length - 1)
        {
            version = baseUrl[(at + 1)..];
            baseUrl = baseUrl[..at];
        }
        // Credentials in the URL stay in memory only (Secrets): the component's source, the lock and every message get the URL without them.
        source = Kraft.Host.Secrets.StripUserInfo(baseUrl);
        return true;
    }

    private static bool ScpLike(string text)
    {
        var at = text.IndexOf('@');
        var colon = text.IndexOf(':');
        return at > 0 && colon > at + 1 && !text[..colon].Contains('/');
    }

    private static void WarnUnknown(KraftfileContext ctx, YamlScalarNode keyNode, string key, string field)
    {
        if (!KraftfileContext.IsExtension(key)) ctx.Warn(keyNode, $"unknown key '{key}' in '{field}' ignored");
    }
}
