using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kraft.Project;

/// <summary>
/// Prints a loaded project for <c>kraft inspect -o json|yaml|table</c>. JSON and YAML share
/// one field order (see <see cref="ProjectRenderer.Walk"/>); neither uses reflection, for NativeAOT.
/// </summary>
public static partial class ProjectRenderer
{
    public static string Render(KraftProject project, string format) => format.ToLowerInvariant() switch
    {
        "json" => ToJson(project),
        "yaml" or "yml" => ToYaml(project),
        "table" or "text" or "" => ToTable(project),
        _ => throw new KraftException($"unknown output format '{format}'", hint: "use one of: json, yaml, table"),
    };

    public static string ToJson(KraftProject project)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Walk(project, new JsonSink(json));
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string ToYaml(KraftProject project)
    {
        var text = new StringWriter();
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Walk(project, new YamlSink(emitter));
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    /// <summary>A summary for people: one line per field, a table of targets.</summary>
    public static string ToTable(KraftProject project)
    {
        var rows = new List<(string, string)>
        {
            ("name", project.Name),
            ("spec", project.Spec),
            ("kraftfile", project.KraftfilePath),
            ("directory", project.Directory),
            ("outdir", project.OutDir),
        };
        if (project.Unikraft is { } core) rows.Add(("unikraft", Describe(core)));
        if (project.Runtime is { } runtime) rows.Add(("runtime", Describe(runtime)));
        if (project.Template is { } template) rows.Add(("template", Describe(template)));
        foreach (var lib in project.Libraries) rows.Add(("library", Describe(lib)));
        if (project.Rootfs is { } rootfs) rows.Add(("rootfs", rootfs));
        if (project.Cmd.Count > 0) rows.Add(("cmd", string.Join(' ', project.Cmd.Select(Quote))));
        foreach (var (k, v) in project.Env) rows.Add(("env", $"{k}={v}"));
        foreach (var v in project.Volumes) rows.Add(("volume", $"{v.Source}:{v.Destination}{(v.ReadOnly ? " (read-only)" : "")}{(v.Driver is null ? "" : $" [{v.Driver}]")}"));
        foreach (var (k, v) in project.Labels) rows.Add(("label", $"{k}={v}"));
        foreach (var o in project.Kconfig) rows.Add(("kconfig", $"{o.Name}={o.Value}"));

        var sb = new StringBuilder();
        var width = rows.Max(r => r.Item1.Length) + 2;
        foreach (var (label, value) in rows) sb.Append(label.PadRight(width)).Append(value).Append('\n');
        if (project.Targets.Count > 0)
        {
            sb.Append('\n');
            var table = new List<string[]> { new[] { "TARGET", "PLATFORM", "ARCHITECTURE", "KERNEL" } };
            table.AddRange(project.Targets.Select(t => new[] { t.Name, t.Platform, t.Architecture, t.KernelName }));
            var widths = Enumerable.Range(0, 4).Select(i => table.Max(r => r[i].Length) + 2).ToArray();
            foreach (var row in table)
                sb.Append(string.Concat(row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i])))).Append('\n');
        }
        return sb.ToString();
    }

    private static string Describe(Component c)
    {
        var parts = new List<string> { c.Name };
        if (c.Version is not null) parts.Add($"version {c.Version}");
        if (c.Source is not null) parts.Add($"from {c.Source}");
        if (c.Kconfig.Count > 0) parts.Add($"{c.Kconfig.Count} kconfig option(s)");
        return string.Join(", ", parts);
    }

    private static string Quote(string word) =>
        word.Length > 0 && word.All(ch => char.IsLetterOrDigit(ch) || "-_./=:,@%+".Contains(ch)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    // ---- one walk, two writers ----

    /// <summary>The minimal writer interface both JSON and YAML output implement.</summary>
    private interface ISink
    {
        void BeginObject();
        void EndObject();
        void BeginArray();
        void EndArray();
        void Key(string name);
        void Value(string? value);
        void Value(bool value);
    }

    /// <summary>The single definition of the output's shape and field order.</summary>
    private static void Walk(KraftProject p, ISink w)
    {
        w.BeginObject();
        Field(w, "name", p.Name);
        Field(w, "spec", p.Spec);
        Field(w, "kraftfile", p.KraftfilePath);
        Field(w, "directory", p.Directory);
        Field(w, "outdir", p.OutDir);
        w.Key("unikraft"); Component(w, p.Unikraft);
        w.Key("libraries");
        w.BeginArray();
        foreach (var lib in p.Libraries) Component(w, lib);
        w.EndArray();
        w.Key("targets");
        w.BeginArray();
        foreach (var t in p.Targets)
        {
            w.BeginObject();
            Field(w, "name", t.Name);
            Field(w, "platform", t.Platform);
            Field(w, "architecture", t.Architecture);
            Field(w, "kernel", t.KernelName);
            w.Key("kconfig"); Kconfig(w, t.Kconfig);
            w.EndObject();
        }
        w.EndArray();
        w.Key("runtime"); Component(w, p.Runtime);
        w.Key("template"); Component(w, p.Template);
        Field(w, "rootfs", p.Rootfs);
        w.Key("cmd");
        w.BeginArray();
        foreach (var arg in p.Cmd) w.Value(arg);
        w.EndArray();
        w.Key("env"); Pairs(w, p.Env);
        w.Key("volumes");
        w.BeginArray();
        foreach (var v in p.Volumes)
        {
            w.BeginObject();
            Field(w, "source", v.Source);
            Field(w, "destination", v.Destination);
            Field(w, "driver", v.Driver);
            w.Key("readonly"); w.Value(v.ReadOnly);
            w.EndObject();
        }
        w.EndArray();
        w.Key("labels"); Pairs(w, p.Labels);
        w.Key("kconfig"); Kconfig(w, p.Kconfig);
        w.EndObject();
    }

    private static void Field(ISink w, string name, string? value)
    {
        w.Key(name);
        w.Value(value);
    }

    private static void Component(ISink w, Component? c)
    {
        if (c is null) { w.Value((string?)null); return; }
        w.BeginObject();
        Field(w, "name", c.Name);
        Field(w, "source", c.Source);
        Field(w, "version", c.Version);
        w.Key("kconfig"); Kconfig(w, c.Kconfig);
        w.EndObject();
    }

    private static void Kconfig(ISink w, IReadOnlyList<KconfigOption> options) =>
        Pairs(w, options.Select(o => new KeyValuePair<string, string>(o.Name, o.Value)));

    private static void Pairs(ISink w, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        w.BeginObject();
        foreach (var (k, v) in pairs) Field(w, k, v);
        w.EndObject();
    }

    private sealed class JsonSink(Utf8JsonWriter json) : ISink
    {
        public void BeginObject() => json.WriteStartObject();
        public void EndObject() => json.WriteEndObject();
        public void BeginArray() => json.WriteStartArray();
        public void EndArray() => json.WriteEndArray();
        public void Key(string name) => json.WritePropertyName(name);
        public void Value(string? value) { if (value is null) json.WriteNullValue(); else json.WriteStringValue(value); }
        public void Value(bool value) => json.WriteBooleanValue(value);
    }

    private sealed class YamlSink(IEmitter emitter) : ISink
    {
        // Empty collections print as {} and [] rather than as an empty block, which YAML cannot express.
        public void BeginObject() => emitter.Emit(new MappingStart(null, null, true, MappingStyle.Any));
        public void EndObject() => emitter.Emit(new MappingEnd());
        public void BeginArray() => emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Any));
        public void EndArray() => emitter.Emit(new SequenceEnd());
        public void Key(string name) => Value(name);
        public void Value(string? value)
        {
            if (value is null) { emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false)); return; }
            // Strings that a YAML reader would take for another type (y, 0.6, true, null...) are quoted.
            var style = LooksTyped(value) ? ScalarStyle.SingleQuoted : ScalarStyle.Any;
            emitter.Emit(new Scalar(null, null, value, style, true, true));
        }
        public void Value(bool value) => emitter.Emit(new Scalar(null, null, value ? "true" : "false", ScalarStyle.Plain, true, false));
    }

    private static bool LooksTyped(string value) => value.Length == 0 || TypedPattern().IsMatch(value);

    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_.:eExXoO+\-a-fA-F]*|[-+]?\.[0-9].*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex TypedPattern();
}
