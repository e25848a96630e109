using System.Text;
using System.Text.Json;
using Kraft.Machines;

namespace Kraft.Cli.Rendering;

/// <summary>`kraft ps` tables, JSON and YAML, and `kraft inspect` of a machine.</summary>
public static class MachineRenderer
{
    sealed record Row(IReadOnlyList<(string Key, string Value)> Cells);

    static Row Cells(Machine m, bool isLong, DateTimeOffset now)
    {
        var s = m.Status;
        var cells = new List<(string, string)>();
        if (isLong) cells.Add(("machine id", m.Id[..12]));
        cells.Add(("name", m.Name));
        cells.Add(("kernel", m.Spec.Source ?? m.Spec.KernelPath));
        cells.Add(("args", string.Join(' ', m.Spec.AppArgs)));
        cells.Add(("created", Ago(now - s.CreatedAt)));
        cells.Add(("status", s.Describe()));
        cells.Add(("mem", $"{m.Spec.MemoryMiB}Mi"));
        cells.Add(("ports", string.Join(", ", m.Spec.Ports.Select(p => p.ToString()))));
        if (isLong)
        {
            cells.Add(("pid", s.Vmm?.Pid.ToString() ?? ""));
            cells.Add(("accel", s.Accel?.ToString().ToLowerInvariant() ?? ""));
        }
        cells.Add(("plat", $"{m.Spec.Platform.Name()}/{m.Spec.Arch.Name()}"));
        return new Row(cells);
    }

    public static string Ago(TimeSpan t) => t.TotalSeconds switch
    {
        < 2 => "just now",
        < 60 => $"{(int)t.TotalSeconds} seconds ago",
        < 120 => "1 minute ago",
        < 3600 => $"{(int)t.TotalMinutes} minutes ago",
        < 7200 => "1 hour ago",
        < 86400 => $"{(int)t.TotalHours} hours ago",
        _ => $"{(int)t.TotalDays} days ago",
    };

    public static string Table(IReadOnlyList<Machine> machines, bool isLong)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = machines.Select(m => Cells(m, isLong, now)).ToList();
        var header = (rows.Count > 0 ? rows[0].Cells.Select(c => c.Key) : Cells(Placeholder, isLong, now).Cells.Select(c => c.Key))
            .Select(k => k.ToUpperInvariant()).ToList();
        var lines = new List<IReadOnlyList<string>> { header };
        lines.AddRange(rows.Select(r => r.Cells.Select(c => c.Value).ToList()));
        return TextTable.Render(lines);
    }

    static readonly Machine Placeholder = new("", "000000000000", new MachineSpec { KernelPath = "", Arch = GuestArch.X86_64 },
        new MachineStatus(), new MachineFiles(""));

    /// <summary>An array of objects, one per machine, keys as KraftKit's (lower-case headers).</summary>
    public static string Json(IReadOnlyList<Machine> machines)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var m in machines) WriteSummary(w, m);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    static void WriteSummary(Utf8JsonWriter w, Machine m)
    {
        var s = m.Status;
        w.WriteStartObject();
        w.WriteString("name", m.Name);
        w.WriteString("id", m.Id);
        w.WriteString("kernel", m.Spec.Source ?? m.Spec.KernelPath);
        w.WriteStartArray("args");
        foreach (var a in m.Spec.AppArgs) w.WriteStringValue(a);
        w.WriteEndArray();
        w.WriteString("created", s.CreatedAt);
        w.WriteString("state", s.State.Name());
        w.WriteString("status", s.Describe());
        if (s.ExitCode is { } code) w.WriteNumber("exit_code", code);
        if (s.Signal is { } sig) w.WriteNumber("signal", sig);
        w.WriteNumber("mem_mib", m.Spec.MemoryMiB);
        w.WriteStartArray("ports");
        foreach (var p in m.Spec.Ports) w.WriteStringValue(p.ToString());
        w.WriteEndArray();
        if (s.Vmm is { } v) w.WriteNumber("pid", v.Pid);
        w.WriteString("plat", m.Spec.Platform.Name());
        w.WriteString("arch", m.Spec.Arch.Name());
        w.WriteEndObject();
    }

    /// <summary>The same fields as <see cref="Json"/>, as a YAML list (every string double-quoted, JSON-style, which YAML reads as is).</summary>
    public static string Yaml(IReadOnlyList<Machine> machines)
    {
        if (machines.Count == 0) return "[]\n";
        var sb = new StringBuilder();
        using var doc = JsonDocument.Parse(Json(machines));
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var first = true;
            foreach (var prop in item.EnumerateObject())
            {
                sb.Append(first ? "- " : "  ").Append(prop.Name).Append(':');
                first = false;
                switch (prop.Value.ValueKind)
                {
                    case JsonValueKind.Array:
                        if (prop.Value.GetArrayLength() == 0) sb.Append(" []\n");
                        else
                        {
                            sb.Append('\n');
                            foreach (var e in prop.Value.EnumerateArray()) sb.Append("    - ").Append(e.GetRawText()).Append('\n');
                        }
                        break;
                    default:
                        sb.Append(' ').Append(prop.Value.GetRawText()).Append('\n');
                        break;
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>`kraft inspect NAME`: the whole record (spec and status) and its files, as JSON.</summary>
    public static string InspectJson(Machine m)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteString("id", m.Id);
            w.WritePropertyName("spec");
            JsonSerializer.Serialize(w, new MachineRecord(m.Name, m.Id, m.Spec), MachineJson.Default.MachineRecord);
            w.WritePropertyName("status");
            JsonSerializer.Serialize(w, m.Status, MachineJson.Default.MachineStatus);
            w.WriteStartObject("files");
            w.WriteString("dir", m.Files.Dir);
            w.WriteString("console", m.Files.ConsoleLog);
            w.WriteString("vmm_log", m.Files.VmmLog);
            w.WriteString("control_socket", m.Files.ControlSocket);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>`kraft inspect NAME` as text.</summary>
    public static string InspectText(Machine m)
    {
        var s = m.Status;
        var sb = new StringBuilder();
        void L(string k, string? v) { if (!string.IsNullOrEmpty(v)) sb.Append($"{k,-10} {v}\n"); }
        L("name:", m.Name);
        L("id:", m.Id);
        L("status:", s.Describe());
        L("message:", s.Message);
        L("kernel:", m.Spec.KernelPath);
        L("source:", m.Spec.Source);
        L("platform:", $"{m.Spec.Platform.Name()}/{m.Spec.Arch.Name()}");
        L("accel:", s.Accel?.ToString().ToLowerInvariant() + (s.AccelNote is null ? "" : $" ({s.AccelNote})"));
        L("memory:", $"{m.Spec.MemoryMiB} MiB");
        L("cpus:", m.Spec.Cpus.ToString());
        L("args:", string.Join(' ', m.Spec.AppArgs));
        L("kargs:", string.Join(' ', m.Spec.KernelArgs));
        L("ports:", string.Join(", ", m.Spec.Ports.Select(p => p.ToString())));
        L("pid:", s.Vmm?.Pid.ToString());
        L("created:", s.CreatedAt.ToString("u"));
        L("started:", s.StartedAt?.ToString("u"));
        L("exited:", s.ExitedAt?.ToString("u"));
        L("console:", m.Files.ConsoleLog);
        return sb.ToString();
    }
}
