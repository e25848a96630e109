using Kraft.Machines;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Reads <c>targets</c> ("plat/arch" strings or maps) and, for old v0.4 files, turns the
/// <c>architectures</c> × <c>platforms</c> maps into the same list of targets.
/// </summary>
internal static class TargetParser
{
    public static readonly IReadOnlyList<string> Architectures = ["x86_64", "arm64", "arm"];
    private const string Hint = "write a target as plat/arch (e.g. qemu/x86_64) or as {platform: qemu, architecture: x86_64}";

    /// <summary>kvm and qemu are one platform to kraft, as are firecracker and fc (<see cref="Platforms"/>).</summary>
    public static string NormalisePlatform(string platform) => Platforms.Normalise(platform);

    /// <summary>The canonical architecture name, or null when it is not one kraft can build (<see cref="GuestArchNames"/>).</summary>
    public static string? NormaliseArchitecture(string arch) => GuestArchNames.TryParse(arch, out var a) ? a.Name() : null;

    public static IReadOnlyList<Target> Parse(KraftfileContext ctx, YamlNode node, string defaultName)
    {
        IEnumerable<YamlNode> items = node switch
        {
            YamlSequenceNode list => list.Children,
            _ when YamlValues.IsNull(node) => [],
            // A lone target written without the list dash: accept it rather than make people guess.
            _ => [node],
        };
        var targets = new List<Target>();
        foreach (var item in items)
        {
            var target = item switch
            {
                YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.String => FromString(ctx, s, defaultName),
                YamlMappingNode map => FromMap(ctx, map, defaultName),
                _ => throw ctx.Error(item, $"a target must be a string or a map, not {YamlValues.Describe(item)}", Hint),
            };
            AddUnique(ctx, targets, target, item);
        }
        return targets;
    }

    /// <summary>
    /// v0.4 (pykraft) listed architectures and platforms separately and built every combination;
    /// KraftKit drops these files' targets, we expand them. A value of false disables an entry,
    /// a map's kconfig applies to each target built with that entry.
    /// </summary>
    public static IReadOnlyList<Target> FromMatrix(KraftfileContext ctx, YamlNode? architectures, YamlNode? platforms, string defaultName, YamlNode anchor)
    {
        if (architectures is null || platforms is null)
            throw ctx.Error(architectures ?? platforms ?? anchor, "'architectures' and 'platforms' must be given together",
                "or use the v0.6 form: targets: [qemu/x86_64]");
        var archs = MatrixEntries(ctx, architectures, "architectures")
            .Select(e => (Name: Architecture(ctx, e.KeyNode, e.Name), e.Kconfig)).ToList();
        var plats = MatrixEntries(ctx, platforms, "platforms");
        var targets = new List<Target>();
        foreach (var plat in plats)
            foreach (var arch in archs)
                AddUnique(ctx, targets, new Target
                {
                    Name = defaultName,
                    Platform = NormalisePlatform(plat.Name),
                    Architecture = arch.Name,
                    Kconfig = [.. arch.Kconfig, .. plat.Kconfig],
                    Location = ctx.At(plat.KeyNode),
                }, plat.KeyNode);
        return targets;
    }

    private static List<(string Name, YamlScalarNode KeyNode, IReadOnlyList<KconfigOption> Kconfig)> MatrixEntries(KraftfileContext ctx, YamlNode node, string field)
    {
        if (node is not YamlMappingNode map)
            throw ctx.Error(node, $"'{field}' must be a map, not {YamlValues.Describe(node)}", $"e.g. {field}: {{x86_64: true}}");
        var entries = new List<(string, YamlScalarNode, IReadOnlyList<KconfigOption>)>();
        foreach (var (key, keyNode, value) in ctx.Entries(map))
        {
            switch (value)
            {
                case YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.Bool && !YamlValues.IsTrue(s):
                    continue;
                case YamlScalarNode s when YamlValues.KindOf(s) is ScalarKind.Bool or ScalarKind.Null:
                    entries.Add((key, keyNode, []));
                    break;
                case YamlMappingNode m:
                    var kconfig = m.Children.TryGetValue(new YamlScalarNode("kconfig"), out var k) ? KconfigParser.Parse(ctx, k) : [];
                    entries.Add((key, keyNode, kconfig));
                    break;
                default:
                    throw ctx.Error(value, $"'{field}.{key}' must be true, false or a map, not {YamlValues.Describe(value)}");
            }
        }
        return entries;
    }

    private static Target FromString(KraftfileContext ctx, YamlScalarNode node, string defaultName)
    {
        var text = node.Value ?? "";
        var parts = text.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw ctx.Error(node, $"invalid target '{text}'", Hint);
        return new Target
        {
            Name = defaultName,
            Platform = NormalisePlatform(parts[0]),
            Architecture = Architecture(ctx, node, parts[1]),
            Location = ctx.At(node),
        };
    }

    private static Target FromMap(KraftfileContext ctx, YamlMappingNode map, string defaultName)
    {
        string? name = null, plat = null, arch = null;
        YamlNode? archNode = null;
        IReadOnlyList<KconfigOption> kconfig = [];
        foreach (var (key, keyNode, value) in ctx.Entries(map))
        {
            switch (key)
            {
                case "name": name = ctx.OptionalString(value, "name"); break;
                case "architecture" or "arch":
                    SetOnce(ctx, ref arch, ctx.RequiredString(value, key), value, "architecture");
                    archNode = value;
                    break;
                case "platform" or "plat":
                    var p = ctx.RequiredString(value, key);
                    var slash = p.IndexOf('/');
                    if (slash >= 0)
                    {
                        // "platform: qemu/x86_64" names both halves at once.
                        SetOnce(ctx, ref arch, p[(slash + 1)..], value, "architecture");
                        archNode = value;
                        p = p[..slash];
                    }
                    SetOnce(ctx, ref plat, p, value, "platform");
                    break;
                case "kconfig": kconfig = KconfigParser.Parse(ctx, value); break;
                case "kernel" or "initrd" or "command":
                    ctx.Warn(keyNode, $"target key '{key}' is not supported and was ignored");
                    break;
                default:
                    if (!KraftfileContext.IsExtension(key)) ctx.Warn(keyNode, $"unknown target key '{key}' ignored");
                    break;
            }
        }
        if (string.IsNullOrEmpty(arch)) throw ctx.Error(map, "the architecture must be specified for every target", Hint);
        if (string.IsNullOrEmpty(plat)) throw ctx.Error(map, "the platform must be specified for every target", Hint);
        return new Target
        {
            Name = string.IsNullOrEmpty(name) ? defaultName : name,
            Platform = NormalisePlatform(plat),
            Architecture = Architecture(ctx, archNode!, arch),
            Kconfig = kconfig,
            Location = ctx.At(map),
        };
    }

    private static void SetOnce(KraftfileContext ctx, ref string? slot, string value, YamlNode node, string what)
    {
        if (slot is not null && slot != value)
            throw ctx.Error(node, $"the target's {what} is given twice ('{slot}' and '{value}')", Hint);
        slot = value;
    }

    private static string Architecture(KraftfileContext ctx, YamlNode node, string arch) =>
        NormaliseArchitecture(arch) ?? throw ctx.Error(node, $"unknown architecture '{arch}'",
            $"use one of: {string.Join(", ", Architectures)}");

    /// <summary>Two targets with one kernel name would overwrite each other's build output.</summary>
    private static void AddUnique(KraftfileContext ctx, List<Target> targets, Target target, YamlNode node)
    {
        if (targets.Any(t => t.KernelName == target.KernelName))
            throw ctx.Error(node, $"target {target.PlatArch} named '{target.Name}' is listed twice",
                "remove the duplicate, or give one of them its own name: (name: ...)");
        targets.Add(target);
    }
}
