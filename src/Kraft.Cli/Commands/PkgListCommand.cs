using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg ls</c>: the components of the local index (never the network), one row each
/// (TYPE NAME CHANNELS VERSIONS SOURCE), or one row per channel and version with
/// <c>--all-versions</c>; <c>-o json</c> gives every field. Components from a source whose last
/// update failed are flagged stale.
/// </summary>
public static class PkgListCommand
{
    public static Command Create()
    {
        var type = new Option<string?>("--type") { Description = "Only components of this type: core, lib, app, plat or arch" };
        var allVersions = new Option<bool>("--all-versions") { Description = "One row per channel and version (with its commit or sha256 when known)" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var name = new Argument<string?>("name") { Description = "Only names matching this glob (e.g. 'lib*', or TYPE/NAME)", Arity = ArgumentArity.ZeroOrOne };
        var oci = new Option<bool>("--oci") { Description = "List the OCI images of the local store (and KraftKit's) instead" };
        var cmd = new Command("ls", "List the components of the local index (run kraft pkg update to refresh it), or with --oci the local images") { type, allVersions, output, name, oci };
        cmd.Aliases.Add("list");
        cmd.SetAction(r => r.GetValue(oci) ? OciList(r.GetValue(output)!) : Run(r.GetValue(type), r.GetValue(allVersions), r.GetValue(output)!, r.GetValue(name)));
        return cmd;
    }

    static int OciList(string output)
    {
        try { return PkgImageCommands.List(output); }
        catch (Exception e) { return Program.Failure(e); }
    }

    static int Run(string? typeText, bool allVersions, string output, string? pattern)
    {
        try
        {
            ComponentType? type = null;
            if (typeText is not null)
                type = ComponentTypes.TryParse(typeText.ToLowerInvariant(), out var t) ? t
                    : throw new KraftException($"unknown component type '{typeText}'", hint: $"use one of {ComponentTypes.Allowed}");
            var index = PkgView.LoadIndex(out var config);
            var entries = (index?.All ?? []).Where(e => (type is null || e.Manifest.Type == type) && PkgView.Matches(e.Manifest, pattern))
                .OrderBy(e => e.Manifest.Type).ThenBy(e => e.Manifest.Name, StringComparer.OrdinalIgnoreCase).ToList();
            if (output == "json")
            {
                var json = entries.Select(e => PkgView.ToJson(e, index!)).ToList();
                Console.Out.WriteLine(JsonSerializer.Serialize(json, PkgJson.Default.ListComponentJson));
                if (index is null || index.All.Count == 0) Console.Error.WriteLine(PkgView.EmptyMessage(config));
                return 0;
            }
            if (index is null || index.All.Count == 0)
            {
                Console.Error.WriteLine(PkgView.EmptyMessage(config));
                return 0;
            }
            if (entries.Count == 0)
            {
                Console.Error.WriteLine($"no component{(type is null ? "" : " of type " + type.Value.Name())}{(pattern is null ? "" : $" matches '{pattern}'")} " +
                    $"among the {index.All.Count} of the index");
                return 0;
            }
            var table = new List<string[]>();
            if (!allVersions)
            {
                table.Add(["TYPE", "NAME", "CHANNELS", "VERSIONS", "SOURCE"]);
                foreach (var e in entries)
                    table.Add([e.Manifest.Type.Name(), e.Manifest.Name, Channels(e.Manifest), Versions(e.Manifest), PkgView.SourceLabel(e.Source)]);
            }
            else
            {
                table.Add(["TYPE", "NAME", "VERSION", "KIND", "UNIKRAFT", "PIN", "SOURCE"]);
                foreach (var e in entries)
                {
                    var m = e.Manifest;
                    var source = PkgView.SourceLabel(e.Source);
                    foreach (var c in m.Channels)
                        table.Add([m.Type.Name(), m.Name, c.Name, c.Default ? "channel (default)" : "channel", "", Pin(c.Commit, c.Sha256), source]);
                    foreach (var v in m.Versions)
                        table.Add([m.Type.Name(), m.Name, v.Version, v.Type ?? "version", v.Unikraft ?? "", Pin(v.Commit, v.Sha256), source]);
                    if (m.Channels.Count == 0 && m.Versions.Count == 0)
                        table.Add([m.Type.Name(), m.Name, "-", "(none listed)", "", "", source]);
                }
            }
            Console.Out.Write(PkgView.Table(table));
            PkgView.WarnStale(index, entries);
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    static string Channels(Manifest m) =>
        m.Channels.Count == 0 ? "-" : string.Join(",", m.Channels.Select(c => c.Default ? c.Name + "*" : c.Name));

    static string Versions(Manifest m)
    {
        if (m.Versions.Count == 0) return "-";
        const int shown = 3;
        var text = string.Join(",", m.Versions.Take(shown).Select(v => v.Version));
        return m.Versions.Count > shown ? $"{text} (+{m.Versions.Count - shown})" : text;
    }

    static string Pin(string? commit, string? sha256) =>
        commit is not null ? "commit " + commit : sha256 is not null ? "sha256 " + sha256 : "";
}

/// <summary>What pkg ls and pkg info share: loading the cached index, matching, rendering.</summary>
internal static class PkgView
{
    /// <summary>The cached index, or null when kraft pkg update never ran here. Never touches the network.</summary>
    public static ComponentIndex? LoadIndex(out UserConfig config)
    {
        config = UserConfigLoader.Load();
        return new IndexStore(config.ManifestsDir).Load() is { } snapshot ? new ComponentIndex(snapshot) : null;
    }

    public static string EmptyMessage(UserConfig config) =>
        $"the index is empty: run kraft pkg update (cache: {Path.Combine(config.ManifestsDir, "index.json")})";

    public static string SourceLabel(SourceListing s) => s.Error is null ? s.Location : s.Location + " (stale)";

    /// <summary>Glob match (* and ?) on the name, or on TYPE/NAME when the pattern has a slash.</summary>
    public static bool Matches(Manifest m, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return true;
        return pattern.Contains('/') ? Glob(pattern, m.Id) : Glob(pattern, m.Name);
    }

    static bool Glob(string pattern, string text)
    {
        // Iterative wildcard match with backtracking to the last '*'.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t]))) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public static void WarnStale(ComponentIndex index, IEnumerable<IndexEntry> shown)
    {
        var stale = shown.Select(e => e.Source).Where(s => s.Error is not null).Distinct().ToList();
        foreach (var s in stale)
            Console.Error.WriteLine($"note: {s.Location} failed to update at {Local(s.FailedAt)} ({s.Error}); " +
                $"its components are from {Local(s.ListedAt)} (marked stale); run kraft pkg update");
        var never = index.Snapshot.Sources.Where(s => s.Error is not null && s.ListedAt is null).ToList();
        foreach (var s in never)
            Console.Error.WriteLine($"note: {s.Location} has never been listed successfully ({s.Error})");
    }

    public static string Local(DateTimeOffset? t) =>
        t is { } v ? v.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never";

    public static string Table(List<string[]> rows) => Rendering.TextTable.Render(rows);

    public static ComponentJson ToJson(IndexEntry e, ComponentIndex index)
    {
        var m = e.Manifest;
        return new ComponentJson
        {
            Type = m.Type.Name(),
            Name = m.Name,
            Description = m.Description,
            Origin = m.Origin,
            Provider = m.Provider,
            ListedFrom = m.ListedFrom,
            DefaultChannel = m.DefaultChannel?.Name,
            Channels = m.Channels,
            Versions = m.Versions,
            Source = Source(e.Source),
            Stale = e.Source.Error is not null,
            ShadowedIn = index.Shadowed.Where(s => s.Manifest.Type == m.Type && s.Manifest.Name == m.Name).Select(s => Source(s.Source)).ToList(),
        };
    }

    static SourceJson Source(SourceListing s) => new()
    {
        Location = s.Location,
        Kind = s.Kind,
        ListedAt = s.ListedAt,
        Error = s.Error,
        FailedAt = s.FailedAt,
    };
}

internal sealed record ComponentJson
{
    public required string Type { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? Origin { get; init; }
    public string? Provider { get; init; }
    public string? ListedFrom { get; init; }
    public string? DefaultChannel { get; init; }
    public IReadOnlyList<ManifestChannel> Channels { get; init; } = [];
    public IReadOnlyList<ManifestVersion> Versions { get; init; } = [];
    public required SourceJson Source { get; init; }
    public bool Stale { get; init; }
    /// <summary>Later sources that offer the same component, hidden by this one.</summary>
    public IReadOnlyList<SourceJson> ShadowedIn { get; init; } = [];
}

internal sealed record SourceJson
{
    public required string Location { get; init; }
    public required string Kind { get; init; }
    public DateTimeOffset? ListedAt { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset? FailedAt { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(List<ComponentJson>))]
internal sealed partial class PkgJson : JsonSerializerContext;
