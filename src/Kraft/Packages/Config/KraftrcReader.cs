using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Kraft.Packages.Config;

/// <summary>What kraft uses of pykraft's <c>~/.kraftrc</c> (shared/reference/formats.md §2.2).</summary>
public sealed record KraftrcFile
{
    /// <summary>[list] origins: repositories and GitHub wildcards (https://github.com/unikraft/lib-*).</summary>
    public IReadOnlyList<LocatedValue> Origins { get; init; } = [];
    /// <summary>[fetch] mirrors.</summary>
    public IReadOnlyList<LocatedValue> Mirrors { get; init; } = [];
    /// <summary>[fetch] prioritize_origin.</summary>
    public bool? PrioritizeOrigin { get; init; }
    /// <summary>[configure] platform, with pykraft's <c>kvm</c> already mapped to <c>qemu</c>.</summary>
    public string? Platform { get; init; }
    /// <summary>[configure] architecture.</summary>
    public string? Architecture { get; init; }
}

/// <summary>
/// Reads a <c>.kraftrc</c> through Tomlyn's syntax tree (no reflection mapping), so every value
/// keeps its line. Keys may be written as tables (<c>[list]</c>), dotted keys
/// (<c>list.origins = [...]</c>) or inline tables; keys kraft does not use are ignored.
/// </summary>
public static class KraftrcReader
{
    /// <summary>Real .kraftrc files are a few lines; this bounds a broken or hostile one.</summary>
    public const long MaxBytes = 1 * Kraft.Host.Sizes.MiB;
    /// <summary>Arrays and inline tables nested deeper than this are refused (Tomlyn stops at 64 with an unlocated error).</summary>
    public const int MaxDepth = 32;

    public static KraftrcFile Read(string path) => Parse(Kraft.Host.TextInput.ReadFile(path, ".kraftrc", MaxBytes).Value, path);

    public static KraftrcFile Parse(string text, string path)
    {
        if (text.Length > MaxBytes)
            throw new KraftException($".kraftrc is too large (kraft reads at most {Kraft.Host.Sizes.Format(MaxBytes)})", new SourceLocation(path),
                "check that this is the file you meant");
        if (text.Contains('\0'))
            throw new KraftException(".kraftrc holds a NUL byte", LocationOf(path, text, text.IndexOf('\0')), "a text file has no NUL bytes: remove it");
        CheckNesting(text, path);
        DocumentSyntax doc;
        try
        {
            doc = SyntaxParser.Parse(text, path, validate: true);
        }
        catch (Tomlyn.TomlException e)
        {
            // Whatever else Tomlyn refuses without a place: the file, with its message.
            throw new KraftException($"not valid TOML: {e.Message}", new SourceLocation(path), "fix the TOML, or move the file away");
        }
        if (doc.HasErrors)
        {
            var first = doc.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            // The parser quotes the text it choked on, which may be a token: the location says where, not what.
            var message = System.Text.RegularExpressions.Regex.Replace(first.Message, "`[^`]*`", "(text not shown)");
            throw new KraftException($"not valid TOML: {message}", Location(path, first.Span),
                "fix the TOML at that place (a missing quote, comma or ']'), or move the file away");
        }

        var values = new Dictionary<string, ValueSyntax>(StringComparer.Ordinal);
        foreach (var kv in doc.KeyValues)
            Collect(values, "", kv);
        foreach (var table in doc.Tables)
        {
            if (table is not TableSyntax)
                continue; // [[arrays of tables]] mean nothing to pykraft
            var prefix = KeyName(table.Name) + ".";
            foreach (var kv in table.Items)
                Collect(values, prefix, kv);
        }

        var platform = OptionalString(path, values, "configure.platform");
        return new KraftrcFile
        {
            Origins = StringArray(path, values, "list.origins"),
            Mirrors = StringArray(path, values, "fetch.mirrors"),
            PrioritizeOrigin = OptionalBool(path, values, "fetch.prioritize_origin"),
            Platform = platform == "kvm" ? "qemu" : platform,
            Architecture = OptionalString(path, values, "configure.architecture"),
        };
    }

    static void Collect(Dictionary<string, ValueSyntax> values, string prefix, KeyValueSyntax kv)
    {
        var name = prefix + KeyName(kv.Key);
        if (kv.Value is InlineTableSyntax inline)
        {
            foreach (var item in inline.Items)
                if (item.KeyValue is { } inner)
                    Collect(values, name + ".", inner);
        }
        else if (kv.Value is not null)
            values[name] = kv.Value;
    }

    static string KeyName(KeySyntax? key)
    {
        if (key is null)
            return "";
        var parts = new List<string> { Part(key.Key) };
        foreach (var dotted in key.DotKeys)
            parts.Add(Part(dotted.Key));
        return string.Join('.', parts);
    }

    static string Part(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax s => s.Value ?? "",
        _ => "",
    };

    static List<LocatedValue> StringArray(string path, Dictionary<string, ValueSyntax> values, string key)
    {
        if (!values.TryGetValue(key, out var value))
            return [];
        if (value is not ArraySyntax array)
            throw TypeError(path, value, key, "an array of strings, e.g. [\"https://github.com/unikraft/lib-*\"]");
        var list = new List<LocatedValue>();
        foreach (var item in array.Items)
        {
            if (item.Value is not StringValueSyntax s || s.Value is null)
                throw TypeError(path, item.Value ?? (SyntaxNode)item, $"an item of {key}", "a string in quotes");
            var v = NoNul(path, s, s.Value.Trim());
            if (v.Length == 0)
                throw new KraftException($"an empty string in {key}", Location(path, s.Span), "remove the empty item");
            list.Add(new LocatedValue(v, s.Span.Start.Line + 1));
        }
        return list;
    }

    static string? OptionalString(string path, Dictionary<string, ValueSyntax> values, string key)
    {
        if (!values.TryGetValue(key, out var value))
            return null;
        if (value is not StringValueSyntax s)
            throw TypeError(path, value, key, "a string in quotes");
        return string.IsNullOrWhiteSpace(s.Value) ? null : NoNul(path, s, s.Value.Trim());
    }

    static string NoNul(string path, StringValueSyntax s, string value) => value.Contains('\0')
        ? throw new KraftException("a value holds a NUL character (a \\u0000 escape)", Location(path, s.Span), "remove it: no URL or name can hold a NUL")
        : value;

    /// <summary>
    /// Refuses arrays and inline tables nested deeper than <see cref="MaxDepth"/>, at the bracket
    /// that goes too deep (strings and comments are skipped; table headers are at most 2 deep).
    /// </summary>
    static void CheckNesting(string text, string path)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '#':
                    while (i < text.Length && text[i] != '\n') i++;
                    break;
                case '"' or '\'':
                    var triple = i + 2 < text.Length && text[i + 1] == c && text[i + 2] == c;
                    i += triple ? 3 : 1;
                    for (; i < text.Length; i++)
                    {
                        if (c == '"' && text[i] == '\\') { i++; continue; }
                        if (text[i] == c && (!triple || i + 2 < text.Length && text[i + 1] == c && text[i + 2] == c))
                        {
                            if (triple) i += 2;
                            break;
                        }
                        if (!triple && text[i] == '\n') break;
                    }
                    break;
                case '[' or '{':
                    if (++depth > MaxDepth)
                        throw new KraftException($"arrays and tables nest more than {MaxDepth} deep here", LocationOf(path, text, i),
                            "no real .kraftrc nests this deeply: check the brackets");
                    break;
                case ']' or '}':
                    if (depth > 0) depth--;
                    break;
            }
        }
    }

    static SourceLocation LocationOf(string path, string text, int index)
    {
        var line = 1 + text.AsSpan(0, index).Count('\n');
        var column = index - (index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1) + 1;
        return new SourceLocation(path, line, column);
    }

    static bool? OptionalBool(string path, Dictionary<string, ValueSyntax> values, string key)
    {
        if (!values.TryGetValue(key, out var value))
            return null;
        return value is BooleanValueSyntax b ? b.Value : throw TypeError(path, value, key, "true or false");
    }

    static SourceLocation Location(string path, SourceSpan span) => new(path, span.Start.Line + 1, span.Start.Column + 1);

    static KraftException TypeError(string path, SyntaxNode node, string key, string expected) =>
        new($"{key} must be {expected}", Location(path, node.Span), $"write {key} as {expected} (pykraft's .kraftrc format)");
}
