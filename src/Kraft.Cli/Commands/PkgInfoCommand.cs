using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Cli;

/// <summary>
/// <c>kraft pkg info NAME</c> (or TYPE/NAME): everything the local index knows about a component:
/// its fields, channels (the default marked), versions, which source listed it and when, and the
/// later sources it hides. An unknown name gets a did-you-mean.
/// </summary>
public static class PkgInfoCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The component: NAME, TYPE/NAME or TYPE-NAME (e.g. musl, lib/musl, unikraft)" };
        var output = new Option<string>("--output", "-o") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var oci = new Option<bool>("--oci") { Description = "NAME is an image reference (implied when it starts with a registry, e.g. unikraft.org/...)" };
        var cmd = new Command("info", "Show everything the local index knows about a component, or an image's platforms, digests, cmd and kconfig") { name, output, oci };
        cmd.SetAction(r => r.GetValue(oci) || Kraft.Oci.ImageRef.HasRegistryPart(r.GetValue(name)!) ? OciInfo(r.GetValue(name)!, r.GetValue(output)!) : Run(r.GetValue(name)!, r.GetValue(output)!));
        return cmd;
    }

    static int OciInfo(string reference, string output)
    {
        try { return PkgImageCommands.Info(reference, output); }
        catch (Exception e) { return Program.Failure(e); }
    }

    static int Run(string query, string output)
    {
        try
        {
            // TYPE/NAME or NAME: the name part follows the one rule for names.
            Names.Check(NameKind.Component, query[(query.IndexOf('/') + 1)..]);
            var index = PkgView.LoadIndex(out var config);
            if (index is null || index.All.Count == 0)
                throw new KraftException(PkgView.EmptyMessage(config));
            var found = Find(index, query);
            if (found.Count == 0)
            {
                var suggestions = Suggest(index, query);
                throw new KraftException($"no component '{query}' in the index ({index.All.Count} components)",
                    hint: suggestions.Count > 0 ? "did you mean " + string.Join(" or ", suggestions) + "?"
                        : "kraft pkg ls lists them; kraft pkg update refreshes the index");
            }
            if (output == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(found.Select(e => PkgView.ToJson(e, index)).ToList(), PkgJson.Default.ListComponentJson));
                return 0;
            }
            var sb = new StringBuilder();
            foreach (var e in found)
            {
                if (sb.Length > 0) sb.Append('\n');
                Describe(sb, e, index);
            }
            Console.Out.Write(sb.ToString());
            return 0;
        }
        catch (Exception e)
        {
            return Program.Failure(e);
        }
    }

    /// <summary>The components a query names: exact name (any type) first, else TYPE/NAME or TYPE-NAME.</summary>
    static List<IndexEntry> Find(ComponentIndex index, string query)
    {
        var slash = query.IndexOf('/');
        if (slash > 0 && ComponentTypes.TryParse(query[..slash].ToLowerInvariant(), out var t))
            return index.Find(t, query[(slash + 1)..]) is { } hit ? [hit] : [];
        var byName = index.FindByName(query).ToList();
        if (byName.Count > 0) return byName;
        if (ComponentName.TryParse(query, out var prefix, out var name, out _) && prefix is not null
            && ComponentTypes.TryParse(prefix, out var type) && index.Find(type, name) is { } e)
            return [e];
        return [];
    }

    /// <summary>The ids (type/name) of the components whose names are close to the query's.</summary>
    static List<string> Suggest(ComponentIndex index, string query)
    {
        var slash = query.IndexOf('/');
        var name = slash >= 0 ? query[(slash + 1)..] : query;
        var close = Suggestions.SimilarNames(name, index.All.Select(e => e.Manifest.Name));
        return close.SelectMany(n => index.FindByName(n)).Select(e => e.Manifest.Id).Take(3).ToList();
    }

    static void Describe(StringBuilder sb, IndexEntry e, ComponentIndex index)
    {
        var m = e.Manifest;
        void Field(string label, string? value)
        {
            if (!string.IsNullOrEmpty(value)) sb.Append("  ").Append((label + ":").PadRight(13)).Append(value).Append('\n');
        }
        sb.Append(m.Id).Append('\n');
        Field("name", m.Name);
        Field("type", m.Type.Name());
        Field("description", m.Description);
        Field("origin", m.Origin);
        Field("provider", m.Provider);
        Field("manifest", m.ListedFrom);
        var s = e.Source;
        Field("source", $"{s.Location} ({s.Kind}), listed {PkgView.Local(s.ListedAt)}");
        if (s.Error is not null)
            Field("stale", $"the last update of this source failed at {PkgView.Local(s.FailedAt)}: {s.Error}");
        sb.Append("  channels:");
        if (m.Channels.Count == 0) sb.Append(" none (use a version)");
        sb.Append('\n');
        var cw = m.Channels.Count == 0 ? 0 : m.Channels.Max(c => c.Name.Length);
        foreach (var c in m.Channels)
        {
            sb.Append("    ").Append(c.Name.PadRight(cw)).Append(c.Default ? "  (default)  " : "             ").Append(c.Resource);
            if (c.Commit is not null) sb.Append("  commit ").Append(c.Commit);
            if (c.Sha256 is not null) sb.Append("  sha256 ").Append(c.Sha256);
            if (c.Latest is not null) sb.Append("  latest ").Append(c.Latest);
            sb.Append('\n');
        }
        if (m.Channels.Count > 0 && m.DefaultChannel is null)
            sb.Append("    (no default channel: a Kraftfile must name a channel or a version)\n");
        sb.Append("  versions:");
        if (m.Versions.Count == 0) sb.Append(" none");
        sb.Append('\n');
        var vw = m.Versions.Count == 0 ? 0 : m.Versions.Max(v => v.Version.Length);
        var tw = m.Versions.Count == 0 ? 0 : m.Versions.Max(v => (v.Type ?? "").Length);
        foreach (var v in m.Versions)
        {
            sb.Append("    ").Append(v.Version.PadRight(vw)).Append("  ").Append((v.Type ?? "").PadRight(tw));
            if (v.Unikraft is not null) sb.Append("  unikraft ").Append(v.Unikraft);
            sb.Append("  ").Append(v.Resource);
            if (v.Commit is not null) sb.Append("  commit ").Append(v.Commit);
            if (v.Sha256 is not null) sb.Append("  sha256 ").Append(v.Sha256);
            sb.Append('\n');
        }
        var hidden = index.Shadowed.Where(x => x.Manifest.Type == m.Type && x.Manifest.Name == m.Name).ToList();
        if (hidden.Count > 0)
        {
            sb.Append("  also offered by later sources (hidden: the first source wins):\n");
            foreach (var h in hidden)
                sb.Append("    ").Append(h.Source.Location).Append(" (").Append(h.Source.Kind).Append("): ")
                    .Append(h.Manifest.Channels.Count).Append(" channels, ").Append(h.Manifest.Versions.Count).Append(" versions")
                    .Append(h.Manifest.Origin is null ? "" : ", origin " + h.Manifest.Origin).Append('\n');
        }
    }
}
