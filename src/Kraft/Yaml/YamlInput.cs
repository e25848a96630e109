using Kraft.Host;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kraft.Yaml;

/// <summary>
/// Bounds for one kind of YAML file kraft reads. No real file comes near them; they keep a hostile
/// or broken file from costing minutes or gigabytes: the size in bytes, how deeply maps and lists
/// nest, and how many nodes the document holds once every alias is expanded (an "alias bomb" of
/// 1.5 KB expands to billions of nodes for any code that walks the tree).
/// </summary>
public sealed record YamlLimits(long MaxBytes, int MaxDepth, long MaxNodes)
{
    /// <summary>Real Kraftfiles are a few KB with a few hundred nodes.</summary>
    public static readonly YamlLimits Kraftfile = new(1 * Sizes.MiB, 64, 200_000);
    /// <summary>KraftKit's config.yaml: a few dozen keys.</summary>
    public static readonly YamlLimits Config = new(1 * Sizes.MiB, 64, 100_000);
    /// <summary>Kraftfile.lock: about ten lines per component.</summary>
    public static readonly YamlLimits Lock = new(4 * Sizes.MiB, 64, 1_000_000);
    /// <summary>Manifests and indexes (KraftKit's whole index is a few hundred KB).</summary>
    public static readonly YamlLimits Manifest = new(16 * Sizes.MiB, 64, 2_000_000);
}

/// <summary>How a file names its YAML errors: the prefix ("invalid YAML") and the hint that follows.</summary>
public sealed record YamlErrorStyle(string Prefix, string Hint)
{
    public static readonly YamlErrorStyle Default = new("invalid YAML", "check the indentation and quoting around this place");
}

/// <summary>
/// The one gate every YAML file kraft reads goes through (Kraftfile, config.yaml, Kraftfile.lock,
/// manifests and indexes): YamlDotNet's parser produces events, which are checked against
/// <see cref="YamlLimits"/> while they come (so a 100k-deep or alias-bombed file is refused after a
/// few events, at its line:column), every scalar is checked for NUL (a "\0" escape would reach
/// paths and names as a NUL), and every parser failure, whatever its type, becomes a located
/// KraftException, with the real place of a tab used as indentation (YamlDotNet says 1:1).
/// The checked events are then loaded into the representation model.
/// </summary>
public static class YamlInput
{
    public static YamlStream Load(string text, string file, YamlLimits limits, YamlErrorStyle? style = null) =>
        Load(ReadEvents(text, file, limits, style), file, style);

    /// <summary>Loads already checked events into the representation model.</summary>
    public static YamlStream Load(IReadOnlyList<ParsingEvent> events, string file, YamlErrorStyle? style = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new EventReplay(events));
        }
        catch (YamlException e)
        {
            throw Invalid(file, style, e.Message, e.Start, e);
        }
        return stream;
    }

    /// <summary>Parses <paramref name="text"/> into events, enforcing <paramref name="limits"/>.</summary>
    public static List<ParsingEvent> ReadEvents(string text, string file, YamlLimits limits, YamlErrorStyle? style = null)
    {
        style ??= YamlErrorStyle.Default;
        if (text.Length > limits.MaxBytes)
            throw new KraftException($"the file is too large ({Sizes.Format(text.Length)} characters; kraft reads at most {Sizes.Format(limits.MaxBytes)})",
                new SourceLocation(file), "no real file comes near this limit: check that this is the file you meant");
        var events = new List<ParsingEvent>();
        var counter = new NodeCounter(file, limits);
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                counter.Add(e);
                if (e is Scalar { Value: var v } s && v.Contains('\0'))
                    throw new KraftException("a value holds a NUL character (a \"\\0\" escape)", At(file, s.Start),
                        "remove the \\0: no name, path or URL can hold a NUL");
                events.Add(e);
            }
        }
        catch (YamlException e)
        {
            throw Invalid(file, style, e.Message, RealStart(text, e, events), e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
        {
            // YamlDotNet's scanner sometimes fails this way on broken flow collections; the last
            // event it produced is the best position we have.
            throw Invalid(file, style, "unexpected text after this point (is a bracket or quote left open?)",
                events.Count > 0 ? events[^1].End : Mark.Empty, e);
        }
        return events;
    }

    /// <summary>
    /// Where an error really is. YamlDotNet reports some scanner errors (a tab used as indentation)
    /// at 1:1; the first tab in a line's indentation after the last good event is the place.
    /// </summary>
    static Mark RealStart(string text, YamlException e, List<ParsingEvent> events)
    {
        if (e.Start.Index > 0 || e.Start.Line > 1 || e.Start.Column > 1) return e.Start;
        var from = events.Count > 0 ? (int)Math.Min(events[^1].End.Index, text.Length) : 0;
        if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            for (var lineStart = text.LastIndexOf('\n', Math.Max(0, from - 1)) + 1; lineStart < text.Length;)
            {
                var i = lineStart;
                while (i < text.Length && text[i] == ' ') i++;
                if (i < text.Length && text[i] == '\t') return MarkAt(text, i);
                var nl = text.IndexOf('\n', i);
                if (nl < 0) break;
                lineStart = nl + 1;
            }
        return events.Count > 0 ? events[^1].End : e.Start;
    }

    static Mark MarkAt(string text, int index)
    {
        var line = 1 + text.AsSpan(0, index).Count('\n');
        var column = index - (text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        if (index == 0) column = 1;
        return new Mark(index, line, column);
    }

    static SourceLocation At(string file, Mark m) => new(file, (int)m.Line, (int)m.Column);

    static KraftException Invalid(string file, YamlErrorStyle? style, string message, Mark at, Exception inner)
    {
        style ??= YamlErrorStyle.Default;
        // YamlDotNet prefixes messages with "(Line: 3, Col: 4, Idx: 20) - (…): "; we print the location ourselves.
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut >= 0) message = message[(cut + 3)..];
        return new KraftException($"{style.Prefix}: {message}", At(file, at), style.Hint, inner: inner);
    }

    /// <summary>
    /// Counts nesting and expanded nodes as events arrive: an alias counts as the whole subtree of
    /// its anchor, so the count is what a walk of the loaded tree would visit.
    /// </summary>
    sealed class NodeCounter(string file, YamlLimits limits)
    {
        readonly Stack<(long Count, string? Anchor)> _open = new();
        readonly Dictionary<string, long> _anchored = new(StringComparer.Ordinal);
        long _total;

        public void Add(ParsingEvent e)
        {
            switch (e)
            {
                case MappingStart or SequenceStart:
                    if (_open.Count >= limits.MaxDepth)
                        throw new KraftException($"maps and lists nest more than {limits.MaxDepth} deep here", At(file, e.Start),
                            "no real file nests this deeply: check the indentation and brackets");
                    _open.Push((1, AnchorOf((NodeEvent)e)));
                    break;
                case MappingEnd or SequenceEnd:
                    var (count, anchor) = _open.Pop();
                    Done(count, anchor, e);
                    break;
                case Scalar s:
                    Done(1, AnchorOf(s), e);
                    break;
                case AnchorAlias alias:
                    Done(_anchored.TryGetValue(alias.Value.Value, out var size) ? size : 1, null, e);
                    break;
            }
        }

        void Done(long size, string? anchor, ParsingEvent at)
        {
            if (anchor is not null) _anchored[anchor] = size;
            if (_open.Count > 0)
            {
                var (count, a) = _open.Pop();
                count = Math.Min(count + size, long.MaxValue / 2);
                _open.Push((count, a));
                if (count > limits.MaxNodes) throw TooMany(at);
            }
            else if ((_total = Math.Min(_total + size, long.MaxValue / 2)) > limits.MaxNodes)
                throw TooMany(at);
        }

        KraftException TooMany(ParsingEvent at) =>
            new($"the document holds more than {limits.MaxNodes:N0} values once its aliases (*name) are expanded", At(file, at.Start),
                "no real file is this large: an alias of an alias of ... (an 'alias bomb') looks like this; remove the aliases");

        static string? AnchorOf(NodeEvent e) => e.Anchor.IsEmpty ? null : e.Anchor.Value;
    }

    /// <summary>Feeds already-read events to YamlStream.Load.</summary>
    sealed class EventReplay(IReadOnlyList<ParsingEvent> events) : IParser
    {
        int _next;
        public ParsingEvent? Current { get; private set; }

        public bool MoveNext()
        {
            if (_next >= events.Count) { Current = null; return false; }
            Current = events[_next++];
            return true;
        }
    }
}
