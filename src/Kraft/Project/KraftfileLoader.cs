using System.Globalization;
using Kraft.Host;
using Kraft.Yaml;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Turns a Kraftfile (spec v0.6, v0.5, or the old v0.4 form) into a <see cref="KraftProject"/>.
/// Only YamlDotNet's representation model is used, never its reflection-based deserializer,
/// so this works in the NativeAOT CLI. Every error names the file, line and column.
/// </summary>
public static partial class KraftfileLoader
{
    /// <summary>The spec version kraft writes into new Kraftfiles.</summary>
    public const string LatestSpec = "v0.6";

    /// <summary>What <see cref="Load"/> accepts as the path meaning "read the Kraftfile from stdin" (-K -).</summary>
    public const string StdinPath = "-";

    internal const string MinimalExample = "a minimal Kraftfile is:\n    spec: v0.6\n    name: hello\n    unikraft: stable\n    targets:\n      - qemu/x86_64";

    /// <summary>
    /// What the CLI calls: finds the Kraftfile for <paramref name="workdir"/> (or uses -K
    /// <paramref name="kraftfile"/>) and loads it. Without -K the project directory is the one
    /// holding the Kraftfile (which may be a parent of workdir); with -K it is workdir, so
    /// "-K kraft.cloud.yaml" or "-K -" build the project in the current directory.
    /// </summary>
    public static KraftProject LoadProject(string workdir, string? kraftfile = null)
    {
        var path = KraftfileLocator.Locate(workdir, kraftfile);
        return Load(path, kraftfile is null ? null : Path.GetFullPath(workdir));
    }

    /// <summary>
    /// Reads and parses a Kraftfile. <paramref name="directory"/> is the project directory
    /// (default: the Kraftfile's own directory, or the current directory for stdin).
    /// </summary>
    public static KraftProject Load(string kraftfilePath, string? directory = null)
    {
        if (kraftfilePath == StdinPath)
        {
            using var stdin = Console.OpenStandardInput();
            return Parse("<stdin>", TextInput.ReadStream(stdin, "<stdin>", "the Kraftfile", YamlLimits.Kraftfile.MaxBytes).Value,
                directory ?? Environment.CurrentDirectory);
        }
        var text = TextInput.ReadFile(kraftfilePath, "the Kraftfile", YamlLimits.Kraftfile.MaxBytes).Value;
        return Parse(kraftfilePath, text, directory);
    }

    /// <summary>Parses Kraftfile text; <paramref name="kraftfilePath"/> is used for messages and to find the project directory.</summary>
    public static KraftProject Parse(string kraftfilePath, string text, string? directory = null)
    {
        var fullPath = kraftfilePath == "<stdin>" ? kraftfilePath : Path.GetFullPath(kraftfilePath);
        var dir = Path.GetFullPath(directory ?? Path.GetDirectoryName(fullPath) ?? Environment.CurrentDirectory);
        var ctx = new KraftfileContext(kraftfilePath, dir);
        var root = ReadRoot(ctx, text);

        // Gather first, then read in dependency order: the name is needed to name the targets.
        var fields = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (key, keyNode, value) in ctx.Entries(root))
            fields[key] = (keyNode, value);
        YamlNode? Field(string key) => fields.TryGetValue(key, out var f) ? f.Value : null;

        var spec = ReadSpec(ctx, root, fields);
        var name = Field("name") is { } nameNode && !YamlValues.IsNull(nameNode)
            ? Names.Check(NameKind.Project, ctx.RequiredString(nameNode, "name"), ctx.At(nameNode))
            : DefaultName(ctx, dir);

        string outDir = Path.Combine(dir, ".unikraft", "build");
        Component? unikraft = null, runtime = null, template = null;
        var libraries = new List<Component>();
        IReadOnlyList<Target> targets = [];
        IReadOnlyList<KconfigOption> kconfig = [];
        string? rootfs = null;
        SourceLocation? rootfsAt = null;
        IReadOnlyList<string>? cmd = null;
        IReadOnlyList<KeyValuePair<string, string>> env = [], labels = [];
        IReadOnlyList<Volume> volumes = [];

        foreach (var (key, (keyNode, value)) in fields)
        {
            switch (key)
            {
                case "spec" or "specification" or "name":
                    break;
                case "outdir":
                    // KraftKit mislays this value (it renames the kernels); the docs mean the output directory.
                    if (ctx.OptionalString(value, "outdir") is { Length: > 0 } o) outDir = ctx.ResolvePath(o);
                    break;
                case "unikraft": unikraft = ComponentParser.Core(ctx, value); break;
                case "runtime": runtime = ComponentParser.Runtime(ctx, value); break;
                case "template": template = ComponentParser.Template(ctx, value); break;
                case "libraries": libraries = ReadLibraries(ctx, value); break;
                case "targets": targets = TargetParser.Parse(ctx, value, name); break;
                case "kconfig": kconfig = KconfigParser.Parse(ctx, value); break;
                case "rootfs": rootfs = GuestFieldsParser.Rootfs(ctx, value); rootfsAt = ctx.At(value); break;
                case "cmd": cmd = GuestFieldsParser.Cmd(ctx, value); break;
                case "env": env = GuestFieldsParser.Env(ctx, value); break;
                case "labels": labels = GuestFieldsParser.Labels(ctx, value); break;
                case "volumes": volumes = GuestFieldsParser.Volumes(ctx, value); break;
                case "architectures" or "platforms":
                    break; // v0.4, below
                case "arguments":
                    break; // v0.5 (pykraft), below
                case "run" or "pre_up" or "post_down" or "networks":
                    ctx.Warn(keyNode, $"'{key}' is a pre-v0.6 field that kraft no longer supports; it was ignored");
                    break;
                default:
                    if (!KraftfileContext.IsExtension(key)) ctx.Warn(keyNode, $"unknown key '{key}' ignored");
                    break;
            }
        }

        if (Field("architectures") is not null || Field("platforms") is not null)
        {
            if (fields.TryGetValue("targets", out var t))
                throw ctx.Error(t.Key, "'targets' cannot be combined with the v0.4 'architectures' and 'platforms' maps",
                    "keep only 'targets'");
            targets = TargetParser.FromMatrix(ctx, Field("architectures"), Field("platforms"), name, root);
        }
        // pykraft's v0.5 'arguments' string is what v0.6 calls cmd.
        if (cmd is null && Field("arguments") is { } args) cmd = GuestFieldsParser.Cmd(ctx, args);

        return new KraftProject
        {
            Directory = dir,
            KraftfilePath = fullPath,
            Spec = spec,
            Name = name,
            OutDir = outDir,
            Unikraft = unikraft,
            Libraries = libraries,
            Targets = targets,
            Runtime = runtime,
            Template = template,
            Rootfs = rootfs,
            RootfsLocation = rootfsAt,
            Cmd = cmd ?? [],
            Env = env,
            Volumes = volumes,
            Labels = labels,
            Kconfig = kconfig,
            Warnings = ctx.Warnings,
        };
    }

    private static YamlMappingNode ReadRoot(KraftfileContext ctx, string text)
    {
        var stream = YamlDocumentReader.Load(ctx, text);
        if (stream.Documents.Count == 0 || YamlValues.IsNull(stream.Documents[0].RootNode))
            throw new KraftException("Kraftfile is empty", new SourceLocation(ctx.File), MinimalExample);
        if (stream.Documents.Count > 1)
            throw ctx.Error(stream.Documents[1].RootNode, "a Kraftfile holds one YAML document, this one has several",
                "remove the extra '---' document separators");
        var root = stream.Documents[0].RootNode;
        return root as YamlMappingNode ?? throw ctx.Error(root,
            $"the top level of a Kraftfile must be a map of fields, not {YamlValues.Describe(root)}", MinimalExample);
    }

    /// <summary>
    /// `specification` (checked first, as KraftKit does) or `spec`, which must be a string such as
    /// v0.6 or '0.5': an unquoted 0.6 is a YAML number, and numbers lose digits (0.10 ⇒ 0.1).
    /// </summary>
    private static string ReadSpec(KraftfileContext ctx, YamlMappingNode root, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields)
    {
        const string hint = $"quote it: spec: '{LatestSpec}'";
        if (!fields.TryGetValue("specification", out var field) && !fields.TryGetValue("spec", out field))
            throw new KraftException("missing 'spec' version attribute", new SourceLocation(ctx.File, (int)root.Start.Line, (int)root.Start.Column),
                $"add a first line such as spec: '{LatestSpec}'");
        var key = field.Key.Value;
        if (field.Value is not YamlScalarNode s || YamlValues.KindOf(s) != ScalarKind.String)
            throw ctx.Error(field.Value, $"'{key}' must be a string, not {YamlValues.Describe(field.Value)}", hint);
        var text = s.Value ?? "";
        var m = SpecPattern().Match(text);
        if (!m.Success)
            throw ctx.Error(field.Value, $"'{text}' is not a spec version", hint);
        var version = new System.Version(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        if (version > new System.Version(0, 6))
            ctx.Warn(field.Value, $"spec {text} is newer than this kraft understands ({LatestSpec}); fields it does not know are ignored");
        return text;
    }

    private static List<Component> ReadLibraries(KraftfileContext ctx, YamlNode node)
    {
        if (YamlValues.IsNull(node)) return [];
        if (node is not YamlMappingNode map)
            throw ctx.Error(node, $"'libraries' must be a map of library names, not {YamlValues.Describe(node)}",
                "e.g. libraries:\n    musl: stable");
        return [.. ctx.Entries(map).Select(e => ComponentParser.Library(ctx, e.KeyNode, e.Key, e.Value))];
    }

    /// <summary>
    /// Without a 'name', the directory names the project, cleaned the way KraftKit does so it is
    /// usable in kernel file names: lowercased, only [a-z0-9_-], no leading '_' or '-'.
    /// </summary>
    private static string DefaultName(KraftfileContext ctx, string directory)
    {
        var raw = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar));
        var name = new string(raw.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-').ToArray()).TrimStart('_', '-');
        if (name.Length == 0)
            throw new KraftException($"cannot derive a project name from the directory '{raw}'", new SourceLocation(ctx.File),
                "add a name: field to the Kraftfile");
        return name;
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)(\.\d+)?$")]
    private static partial Regex SpecPattern();
}
