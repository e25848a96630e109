using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Loads YAML text into the representation model, with two differences from YamlStream.Load:
/// a key repeated in one map is a warning and the later value wins (the unikraft catalog has
/// Kraftfiles that repeat a kconfig key, which YamlDotNet would refuse), and every parser failure,
/// including the odd non-YamlException one, becomes a KraftException with a line and column.
/// </summary>
internal static class YamlDocumentReader
{
    public static YamlStream Load(KraftfileContext ctx, string text)
    {
        var events = ReadEvents(ctx, text);
        var kept = new List<ParsingEvent>(events.Count);
        for (var i = 0; i < events.Count;)
            i = CopyNode(ctx, events, i, kept);
        var stream = new YamlStream();
        try
        {
            stream.Load(new EventReplay(kept));
        }
        catch (YamlException e)
        {
            throw Invalid(ctx, e.Message, e.Start, e);
        }
        return stream;
    }

    private static List<ParsingEvent> ReadEvents(KraftfileContext ctx, string text)
    {
        var events = new List<ParsingEvent>();
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext()) events.Add(parser.Current!);
        }
        catch (YamlException e)
        {
            throw Invalid(ctx, e.Message, e.Start, e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner sometimes fails this way on broken flow collections; the last
            // event it produced is the best position we have.
            throw Invalid(ctx, "unexpected text after this point (is a bracket or quote left open?)", events.Count > 0 ? events[^1].End : Mark.Empty, e);
        }
        return events;
    }

    /// <summary>Copies the map starting at events[i], dropping all but the last of repeated keys.</summary>
    private static int CopyMapping(KraftfileContext ctx, List<ParsingEvent> events, int i, List<ParsingEvent> output)
    {
        output.Add(events[i++]);
        var pairs = new List<(string? Key, List<ParsingEvent> Events)>();
        while (events[i] is not MappingEnd)
        {
            var pair = new List<ParsingEvent>();
            var key = events[i] is Scalar s ? s.Value : null;
            var keyEvent = events[i];
            i = CopyNode(ctx, events, i, pair);
            i = CopyNode(ctx, events, i, pair);
            var earlier = key is null ? -1 : pairs.FindIndex(p => p.Key == key);
            if (earlier >= 0 && !pairs[earlier].Events.Any(DefinesAnchor))
            {
                ctx.Warnings.Add($"{new SourceLocation(ctx.File, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column)}: " +
                    $"key '{key}' is given more than once; the last one is used");
                pairs.RemoveAt(earlier);
            }
            pairs.Add((key, pair));
        }
        foreach (var (_, pair) in pairs) output.AddRange(pair);
        output.Add(events[i]);
        return i + 1;
    }

    /// <summary>
    /// Copies the node or stream/document marker at events[i] to <paramref name="output"/>;
    /// returns the index after it.
    /// </summary>
    private static int CopyNode(KraftfileContext ctx, List<ParsingEvent> events, int i, List<ParsingEvent> output)
    {
        if (events[i] is MappingStart) return CopyMapping(ctx, events, i, output);
        if (events[i] is not SequenceStart)
        {
            output.Add(events[i]);
            return i + 1;
        }
        output.Add(events[i++]);
        while (events[i] is not SequenceEnd) i = CopyNode(ctx, events, i, output);
        output.Add(events[i]);
        return i + 1;
    }

    private static bool DefinesAnchor(ParsingEvent e) => e is NodeEvent { Anchor.IsEmpty: false };

    private static KraftException Invalid(KraftfileContext ctx, string message, Mark at, Exception inner)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 4, Idx: 20) - (…): "; we print the location ourselves.
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut >= 0) message = message[(cut + 3)..];
        return new KraftException($"invalid YAML: {message}", new SourceLocation(ctx.File, (int)at.Line, (int)at.Column),
            "check the indentation and quoting around this place", inner: inner);
    }

    /// <summary>Feeds already-read events to YamlStream.Load.</summary>
    private sealed class EventReplay(List<ParsingEvent> events) : IParser
    {
        private int _next;
        public ParsingEvent? Current { get; private set; }

        public bool MoveNext()
        {
            if (_next >= events.Count) { Current = null; return false; }
            Current = events[_next++];
            return true;
        }
    }
}
