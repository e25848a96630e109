using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Reads the fields that describe how the unikernel runs rather than how it is built:
/// <c>rootfs</c>, <c>cmd</c>, <c>env</c>, <c>labels</c> and <c>volumes</c>.
/// </summary>
internal static class GuestFieldsParser
{
    /// <summary>
    /// A string. The schema also allows a list, which KraftKit's loader refuses; one item is
    /// unambiguous so it is accepted, more than one is refused because only one initrd is built.
    /// </summary>
    public static string? Rootfs(KraftfileContext ctx, YamlNode node)
    {
        if (node is YamlSequenceNode list)
        {
            return list.Children.Count switch
            {
                0 => null,
                1 => ctx.OptionalString(list.Children[0], "rootfs"),
                _ => throw ctx.Error(node, "'rootfs' lists more than one root filesystem",
                    "a unikernel has one root filesystem: give a single path, e.g. rootfs: ./Dockerfile"),
            };
        }
        return ctx.OptionalString(node, "rootfs");
    }

    /// <summary>A list is kept as is; a string is split like a shell would (quotes group words).</summary>
    public static IReadOnlyList<string> Cmd(KraftfileContext ctx, YamlNode node)
    {
        switch (node)
        {
            case YamlSequenceNode list:
                return list.Children.Select(item => item is YamlScalarNode s && !YamlValues.IsNull(s)
                    ? YamlValues.Text(s)
                    : throw ctx.Error(item, $"'cmd' items must be strings, not {YamlValues.Describe(item)}")).ToList();
            case YamlScalarNode s when YamlValues.IsNull(s):
                return [];
            case YamlScalarNode s:
                try { return ShellWords.Split(YamlValues.Text(s)); }
                catch (FormatException e)
                {
                    throw ctx.Error(node, $"cannot split 'cmd' into arguments: {e.Message}", "or write cmd as a list: cmd: [\"-c\", \"/etc/app.conf\"]");
                }
            default:
                throw ctx.Error(node, $"'cmd' must be a string or a list, not {YamlValues.Describe(node)}");
        }
    }

    /// <summary>A list of K=V / K (empty value) strings, or a map whose null values mean "".</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Env(KraftfileContext ctx, YamlNode node)
    {
        var env = new List<KeyValuePair<string, string>>();
        switch (node)
        {
            case YamlScalarNode s when YamlValues.IsNull(s):
                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    if (item is not YamlScalarNode s || YamlValues.IsNull(s))
                        throw ctx.Error(item, $"'env' items must be NAME=value strings, not {YamlValues.Describe(item)}");
                    var text = YamlValues.Text(s);
                    var eq = text.IndexOf('=');
                    var key = eq < 0 ? text : text[..eq];
                    if (key.Length == 0) throw ctx.Error(item, $"'env' item '{text}' has no variable name");
                    Set(env, key, eq < 0 ? "" : text[(eq + 1)..]);
                }
                break;
            case YamlMappingNode map:
                foreach (var (key, _, value) in ctx.Entries(map))
                    Set(env, key, ctx.OptionalString(value, $"env.{key}") ?? "");
                break;
            default:
                throw ctx.Error(node, $"'env' must be a list or a map, not {YamlValues.Describe(node)}", "e.g. env: {HOME: /}");
        }
        return env;
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Labels(KraftfileContext ctx, YamlNode node)
    {
        var labels = new List<KeyValuePair<string, string>>();
        if (YamlValues.IsNull(node)) return labels;
        if (node is not YamlMappingNode map)
            throw ctx.Error(node, $"'labels' must be a map, not {YamlValues.Describe(node)}", "e.g. labels: {org.example.owner: me}");
        foreach (var (key, _, value) in ctx.Entries(map))
            Set(labels, key, ctx.OptionalString(value, $"labels.{key}") ?? "");
        return labels;
    }

    /// <summary>A "src:dst" string, a list of such strings and/or maps, or a single map.</summary>
    public static IReadOnlyList<Volume> Volumes(KraftfileContext ctx, YamlNode node)
    {
        IEnumerable<YamlNode> items = node switch
        {
            YamlSequenceNode list => list.Children,
            _ when YamlValues.IsNull(node) => [],
            _ => [node],
        };
        return items.Select(item => item switch
        {
            YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.String => VolumeFromString(ctx, s),
            YamlMappingNode map => VolumeFromMap(ctx, map),
            _ => throw ctx.Error(item, $"a volume must be a string or a map, not {YamlValues.Describe(item)}", VolumeHint),
        }).ToList();
    }

    private const string VolumeHint = "write a volume as ./host-dir:/guest-dir, or {source: ./host-dir, destination: /guest-dir}";

    private static Volume VolumeFromString(KraftfileContext ctx, YamlScalarNode node)
    {
        var parts = (node.Value ?? "").Split(':');
        if (parts.Length > 2) throw ctx.Error(node, $"invalid volume '{node.Value}': too many ':'", VolumeHint);
        if (parts[0].Length == 0) throw ctx.Error(node, $"invalid volume '{node.Value}': no source", VolumeHint);
        var destination = parts.Length == 2 ? parts[1] : "/";
        CheckDestination(ctx, node, destination);
        return new Volume(parts[0], destination);
    }

    private static Volume VolumeFromMap(KraftfileContext ctx, YamlMappingNode map)
    {
        string? source = null, destination = null, driver = null;
        var readOnly = false;
        YamlNode where = map;
        foreach (var (key, keyNode, value) in ctx.Entries(map))
        {
            switch (key)
            {
                case "source": source = ctx.OptionalString(value, "source"); break;
                case "destination": destination = ctx.OptionalString(value, "destination"); where = value; break;
                case "driver": driver = ctx.OptionalString(value, "driver"); break;
                // KraftKit reads "readonly" while its docs and writer use "readOnly".
                case "readonly" or "readOnly": readOnly = ctx.Bool(value, key); break;
                default:
                    if (!KraftfileContext.IsExtension(key)) ctx.Warn(keyNode, $"volume key '{key}' is not supported and was ignored");
                    break;
            }
        }
        if (string.IsNullOrEmpty(source)) throw ctx.Error(map, "a volume needs a 'source'", VolumeHint);
        destination ??= "/";
        CheckDestination(ctx, where, destination);
        return new Volume(source, destination, driver, readOnly);
    }

    private static void CheckDestination(KraftfileContext ctx, YamlNode node, string destination)
    {
        if (!destination.StartsWith('/'))
            throw ctx.Error(node, $"volume destination '{destination}' must be an absolute path in the guest", VolumeHint);
    }

    /// <summary>Later assignments of a name replace earlier ones but keep the first position.</summary>
    private static void Set(List<KeyValuePair<string, string>> pairs, string key, string value)
    {
        var at = pairs.FindIndex(p => p.Key == key);
        if (at < 0) pairs.Add(new(key, value));
        else pairs[at] = new(key, value);
    }
}
