using System.Text;
using Kraft.Host;
using Kraft.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kraft.Packages.Config;

/// <summary>What an edit of the source list did, argument by argument.</summary>
public sealed record SourceEditResult
{
    public IReadOnlyList<string> Added { get; init; } = [];
    public IReadOnlyList<string> AlreadyPresent { get; init; } = [];
    public IReadOnlyList<string> Removed { get; init; } = [];
    public IReadOnlyList<string> NotPresent { get; init; } = [];
    /// <summary>Whether the file was written.</summary>
    public bool Written { get; init; }
    /// <summary>
    /// False when the file's layout was too unusual to edit in place (a flow-style mapping, say) and
    /// it was written out anew from its parsed form: every key and value is kept, comments are not.
    /// </summary>
    public bool CommentsKept { get; init; } = true;
}

/// <summary>
/// Adds and removes sources in <c>config.yaml</c>'s <c>unikraft.manifests</c>. The file is edited
/// as text at the positions YamlDotNet reports, so every other key, value, comment and blank
/// line stays as it was; the result is parsed again and compared with the intended settings
/// before it is written (temp file, then rename; mode 0600), under a lock so that two kraft
/// processes do not lose each other's edits. A missing file (and its directories) is created.
/// </summary>
public static class SourceListEditor
{
    /// <summary>Appends each source not yet in the list; every argument is handled (KraftKit stops at the first one already present).</summary>
    public static SourceEditResult Add(string configFile, IEnumerable<string> sources, IReporter? reporter = null)
    {
        var args = sources.Select(s => s.Trim()).ToList();
        return Edit(configFile, reporter, current =>
        {
            var list = current.ToList();
            var added = new List<string>();
            var present = new List<string>();
            foreach (var s in args)
            {
                if (list.Contains(s, StringComparer.Ordinal)) { if (!present.Contains(s)) present.Add(s); }
                else { list.Add(s); added.Add(s); }
            }
            return (list, new SourceEditResult { Added = added, AlreadyPresent = present });
        });
    }

    /// <summary>Removes exact matches (every occurrence) of each source.</summary>
    public static SourceEditResult Remove(string configFile, IEnumerable<string> sources, IReporter? reporter = null)
    {
        var args = sources.Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToList();
        return Edit(configFile, reporter, current =>
        {
            var removed = args.Where(a => current.Contains(a, StringComparer.Ordinal)).ToList();
            var missing = args.Where(a => !current.Contains(a, StringComparer.Ordinal)).ToList();
            var list = current.Where(c => !removed.Contains(c, StringComparer.Ordinal)).ToList();
            return (list, new SourceEditResult { Removed = removed, NotPresent = missing });
        });
    }

    static SourceEditResult Edit(string configFile, IReporter? reporter,
        Func<IReadOnlyList<string>, (List<string> List, SourceEditResult Result)> change)
    {
        var target = RealPath(configFile);
        if (!File.Exists(target) && change([]) is ({ Count: 0 }, var nothing))
            return nothing; // nothing to write: do not create the directory or the lock either
        var dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(dir))
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var _ = FileLock.Acquire(Path.Combine(dir, "." + Path.GetFileName(target) + ".lock"), configFile,
            reporter ?? NullReporter.Instance, CancellationToken.None);

        // Read strictly (invalid UTF-8 is refused at its place, never replaced) and written back with
        // its byte-order mark, so the bytes of every line the edit does not touch stay as they were.
        var (text, bom) = File.Exists(target) ? ConfigYamlReader.ReadText(target) : new TextInput.Text("", false);
        var current = ConfigYamlReader.Parse(text, configFile).Manifests.Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();
        var (wanted, result) = change(current);
        if (wanted.SequenceEqual(current, StringComparer.Ordinal))
            return result;

        var (newText, kept) = Rewrite(text, configFile, wanted);
        Write(target, TextInput.Encode(newText, bom));
        return result with { Written = true, CommentsKept = kept };
    }

    /// <summary>
    /// The text of <paramref name="text"/> with unikraft.manifests set to <paramref name="wanted"/>,
    /// edited in place where possible (true), else regenerated from the parsed tree (false).
    /// </summary>
    internal static (string Text, bool CommentsKept) Rewrite(string text, string path, IReadOnlyList<string> wanted)
    {
        var stream = Load(text, path);
        if (stream.Documents.Count > 1)
            throw new KraftException($"{path} holds {stream.Documents.Count} YAML documents; kraft only edits a config.yaml with one",
                new SourceLocation(path), "keep the settings in one document (remove the '---' lines)");
        var before = Canonical(stream);
        var edited = TryEditInPlace(text, stream, wanted);
        if (edited is not null && Verify(edited, path, wanted, before))
            return (edited, true);
        var regenerated = Regenerate(stream, wanted);
        if (!Verify(regenerated, path, wanted, before))
            throw new KraftException($"cannot update unikraft.manifests in {path} without changing other settings",
                new SourceLocation(path), "edit unikraft.manifests in the file by hand");
        return (regenerated, false);
    }

    static YamlStream Load(string text, string path)
    {
        // The same bounds and errors, with file:line:column, as when reading: an alias bomb is refused
        // here rather than expanded by the comparison of the file's meaning before and after the edit.
        return YamlInput.Load(text, path, YamlLimits.Config, ConfigYamlReader.Style);
    }

    // ---- editing the text in place ----

    sealed class TextEdits(string text)
    {
        readonly List<(int Start, int End, string With, int Order)> _edits = [];
        public string Text { get; } = text;
        public void Replace(int start, int end, string with) => _edits.Add((start, end, with, _edits.Count));
        public void Insert(int at, string with) => Replace(at, at, with);

        /// <summary>Inserts whole lines after the line that holds <paramref name="pos"/>.</summary>
        public void InsertLinesAfter(int pos, string lines)
        {
            var nl = Text.IndexOf('\n', Math.Min(pos, Text.Length));
            if (nl < 0) Insert(Text.Length, "\n" + lines);
            else Insert(nl + 1, lines);
        }

        public string Apply()
        {
            var sb = new StringBuilder(Text);
            foreach (var e in _edits.OrderByDescending(e => e.Start).ThenByDescending(e => e.Order))
                sb.Remove(e.Start, e.End - e.Start).Insert(e.Start, e.With);
            return sb.ToString();
        }
    }

    static string? TryEditInPlace(string text, YamlStream stream, IReadOnlyList<string> wanted)
    {
        var edits = new TextEdits(text);
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        if (root is null || ConfigYamlReader.IsNull(root))
        {
            if (root is YamlScalarNode { Value.Length: > 0 })
                return null; // an explicit "null" document
            var prefix = text.Length == 0 || text.EndsWith('\n') ? "" : "\n";
            edits.Insert(text.Length, prefix + "unikraft:\n  manifests:" + Items(wanted, "    "));
            return edits.Apply();
        }
        if (root is not YamlMappingNode { Style: not MappingStyle.Flow } rootMap)
            return null;

        var (ukKey, ukValue) = Entry(rootMap, "unikraft");
        if (ukKey is null)
        {
            var indent = new string(' ', (int)rootMap.Start.Column - 1);
            edits.InsertLinesAfter(LastContentEnd(text, rootMap), $"{indent}unikraft:\n{indent}  manifests:{Items(wanted, indent + "    ")}");
            return edits.Apply();
        }
        var keyIndent = (int)ukKey.Start.Column - 1;
        if (ConfigYamlReader.IsNull(ukValue!))
        {
            var end = ClearAfterColon(edits, ukKey, NullEnd(ukValue!), "");
            var ind = new string(' ', keyIndent + 2);
            edits.InsertLinesAfter(end, $"{ind}manifests:{Items(wanted, ind + "  ")}");
            return edits.Apply();
        }
        if (ukValue is not YamlMappingNode { Style: not MappingStyle.Flow } ukMap)
            return null;

        var (mKey, mValue) = Entry(ukMap, "manifests");
        if (mKey is null)
        {
            var ind = new string(' ', (int)ukMap.Start.Column - 1);
            edits.InsertLinesAfter(LastContentEnd(text, ukMap), $"{ind}manifests:{Items(wanted, ind + "  ")}");
            return edits.Apply();
        }
        var itemIndent = new string(' ', (int)mKey.Start.Column - 1 + 2);
        if (ConfigYamlReader.IsNull(mValue!) || mValue is YamlSequenceNode { Style: SequenceStyle.Flow })
        {
            var valueEnd = mValue is YamlSequenceNode flow ? FlowEnd(text, (int)flow.Start.Index) : NullEnd(mValue!);
            var end = ClearAfterColon(edits, mKey, valueEnd, wanted.Count == 0 ? " []" : "");
            if (wanted.Count > 0)
                edits.InsertLinesAfter(end, Items(wanted, itemIndent)[1..]);
            return edits.Apply();
        }
        if (mValue is not YamlSequenceNode seq)
            return null;

        // A block list: drop the lines of removed items, append new ones after the last item.
        var indent2 = new string(' ', (int)seq.Start.Column - 1);
        var present = new List<string>();
        foreach (var item in seq.Children)
        {
            if (item is not YamlScalarNode { Value: { } itemText })
                return null; // not a list of strings: the reader refuses it with its location
            var value = itemText.Trim();
            if (wanted.Contains(value, StringComparer.Ordinal) && !present.Contains(value, StringComparer.Ordinal))
            {
                present.Add(value);
                continue;
            }
            var lineStart = text.LastIndexOf('\n', Math.Max(0, (int)item.Start.Index - 1)) + 1;
            var nl = text.IndexOf('\n', LastContentEnd(text, item));
            edits.Replace(lineStart, nl < 0 ? text.Length : nl + 1, "");
        }
        // The items kept must come first and in the order wanted (adding appends, removing keeps order).
        if (!wanted.Take(present.Count).SequenceEqual(present, StringComparer.Ordinal))
            return null;
        var toAdd = wanted.Skip(present.Count).ToList();
        if (toAdd.Count > 0)
            edits.InsertLinesAfter(LastContentEnd(text, seq), Items(toAdd, indent2)[1..]);
        if (wanted.Count == 0)
            edits.Insert(ColonAfter(text, mKey) + 1, " []");
        return edits.Apply();
    }

    /// <summary>"\n{indent}- item" for each item, ending with a newline.</summary>
    static string Items(IEnumerable<string> items, string indent)
    {
        var sb = new StringBuilder();
        var any = false;
        foreach (var i in items)
        {
            sb.Append('\n').Append(indent).Append("- ").Append(Quote(i));
            any = true;
        }
        return any ? sb.Append('\n').ToString() : " []\n";
    }

    /// <summary>Where a null value ends: after an explicit <c>null</c> or <c>~</c>, or nowhere (-1) for an empty one.</summary>
    static int NullEnd(YamlNode value) => value is YamlScalarNode { Value.Length: > 0 } ? (int)value.End.Index : -1;

    /// <summary>
    /// Replaces what follows a key's colon up to <paramref name="valueEnd"/> (nothing when it is -1)
    /// with <paramref name="with"/>; returns where the old value ended.
    /// </summary>
    static int ClearAfterColon(TextEdits edits, YamlNode key, int valueEnd, string with)
    {
        var colon = ColonAfter(edits.Text, key);
        var end = Math.Max(colon + 1, valueEnd);
        edits.Replace(colon + 1, end, with);
        return end;
    }

    static int ColonAfter(string text, YamlNode key)
    {
        var i = (int)key.End.Index;
        while (i < text.Length && text[i] != ':') i++;
        return i;
    }

    static (YamlScalarNode? Key, YamlNode? Value) Entry(YamlMappingNode map, string name)
    {
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && s.Value == name)
                return (s, v);
        return (null, null);
    }

    /// <summary>The index just after the last character that belongs to <paramref name="node"/> (its trailing comment excluded).</summary>
    static int LastContentEnd(string text, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode { Style: MappingStyle.Flow } or YamlSequenceNode { Style: SequenceStyle.Flow }:
                return FlowEnd(text, (int)node.Start.Index);
            case YamlMappingNode m when m.Children.Count > 0:
                var (k, v) = m.Children.Last();
                return Math.Max(LastContentEnd(text, k), LastContentEnd(text, v));
            case YamlSequenceNode s when s.Children.Count > 0:
                return LastContentEnd(text, s.Children.Last());
            default:
                var end = Math.Min((int)node.End.Index, text.Length);
                while (end > node.Start.Index && char.IsWhiteSpace(text[end - 1])) end--;
                return Math.Max(end, (int)node.Start.Index);
        }
    }

    /// <summary>The index after the bracket that closes the flow collection opening at <paramref name="start"/>.</summary>
    static int FlowEnd(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '[' or '{') depth++;
            else if (c is ']' or '}') { if (--depth == 0) return i + 1; }
            else if (c == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                    if (text[i] == '\\') i++;
            }
            else if (c == '\'')
            {
                for (i++; i < text.Length; i++)
                    if (text[i] == '\'') { if (i + 1 < text.Length && text[i + 1] == '\'') i++; else break; }
            }
            else if (c == '#' && i > 0 && char.IsWhiteSpace(text[i - 1]))
                while (i < text.Length && text[i] != '\n') i++;
        }
        return text.Length;
    }

    /// <summary>A YAML scalar for a source: plain when that reads back as the same string, else double-quoted.</summary>
    internal static string Quote(string s)
    {
        var plain = s.Length > 0
            && (char.IsAsciiLetterOrDigit(s[0]) || s[0] is '/' or '.' or '_' or '~')
            && s.All(c => c > ' ' && c < 0x7f && c is not ('#' or '\'' or '"' or ',' or '[' or ']' or '{' or '}' or '\\'))
            && !s.EndsWith(':') && !s.Contains(": ", StringComparison.Ordinal)
            && s.ToLowerInvariant() is not ("true" or "false" or "yes" or "no" or "on" or "off" or "null" or "~")
            && !double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);
        if (plain)
            return s;
        var sb = new StringBuilder("\"");
        foreach (var c in s)
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        return sb.Append('"').ToString();
    }

    // ---- regenerating, and checking the result ----

    static string Regenerate(YamlStream stream, IReadOnlyList<string> wanted)
    {
        var doc = stream.Documents.Count > 0 ? stream.Documents[0] : null;
        var root = doc?.RootNode as YamlMappingNode ?? new YamlMappingNode();
        var uk = Entry(root, "unikraft").Value as YamlMappingNode;
        if (uk is null)
        {
            uk = new YamlMappingNode();
            root.Children[new YamlScalarNode("unikraft")] = uk;
        }
        var seq = new YamlSequenceNode(wanted.Select(w => (YamlNode)new YamlScalarNode(w)));
        if (Entry(uk, "manifests").Key is { } existing)
            uk.Children[existing] = seq;
        else
            uk.Children[new YamlScalarNode("manifests")] = seq;
        foreach (var node in root.AllNodes)
        {
            // Keep the layout simple (block style) and the meaning unchanged.
            if (node is YamlMappingNode m) m.Style = MappingStyle.Block;
            if (node is YamlSequenceNode s) s.Style = s.Children.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block;
        }
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString().Replace("\r\n", "\n");
        if (text.EndsWith("...\n", StringComparison.Ordinal))
            text = text[..^4];
        return text;
    }

    static bool Verify(string text, string path, IReadOnlyList<string> wanted, string before)
    {
        try
        {
            var parsed = ConfigYamlReader.Parse(text, path).Manifests.Select(m => m.Value);
            if (!parsed.SequenceEqual(wanted, StringComparer.Ordinal))
                return false;
            var stream = Load(text, path);
            return stream.Documents.Count == 1 && Canonical(stream) == before;
        }
        catch (Exception e) when (e is KraftException or YamlException)
        {
            return false;
        }
    }

    /// <summary>A text form of the file's meaning, leaving out unikraft.manifests (and an empty unikraft).</summary>
    static string Canonical(YamlStream stream)
    {
        var sb = new StringBuilder();
        if (stream.Documents.Count == 0 || ConfigYamlReader.IsNull(stream.Documents[0].RootNode))
            return "";
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode map)
        {
            Dump(sb, root);
            return sb.ToString();
        }
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: "unikraft" })
            {
                var rest = v is YamlMappingNode uk ? uk.Children.Where(e => e.Key is not YamlScalarNode { Value: "manifests" }).ToList() : [];
                if (rest.Count == 0)
                    continue;
                sb.Append("unikraft:{");
                foreach (var (k2, v2) in rest) { Dump(sb, k2); sb.Append(':'); Dump(sb, v2); sb.Append(','); }
                sb.Append("},");
                continue;
            }
            Dump(sb, k); sb.Append(':'); Dump(sb, v); sb.Append(',');
        }
        return sb.ToString(); // an empty mapping is the same as an empty file
    }

    static void Dump(StringBuilder sb, YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode s when ConfigYamlReader.IsNull(s):
                sb.Append("~"); break;
            case YamlScalarNode s:
                sb.Append(s.Tag.IsEmpty ? "" : s.Tag.ToString()).Append('"').Append(s.Value?.Replace("\"", "\\\"")).Append('"'); break;
            case YamlSequenceNode seq:
                sb.Append('[');
                foreach (var c in seq.Children) { Dump(sb, c); sb.Append(','); }
                sb.Append(']'); break;
            case YamlMappingNode m:
                sb.Append('{');
                foreach (var (k, v) in m.Children) { Dump(sb, k); sb.Append(':'); Dump(sb, v); sb.Append(','); }
                sb.Append('}'); break;
            default:
                sb.Append('?'); break;
        }
    }

    // ---- writing ----

    /// <summary>A config.yaml that is a symbolic link (dotfile managers) is edited where it points.</summary>
    static string RealPath(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    static void Write(string target, byte[] bytes)
    {
        var tmp = AtomicFile.TempPathBeside(target);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var fs = new FileStream(tmp, options))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            AtomicFile.Replace(tmp, target);
        }
        catch
        {
            AtomicFile.TryDelete(tmp);
            throw;
        }
    }
}
