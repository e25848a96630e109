using Kraft.Yaml;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Loads a Kraftfile's YAML through <see cref="YamlInput"/> (bounded, every failure located), with
/// one difference from YamlStream.Load: a key repeated in one map is a warning and the later value
/// wins (the unikraft catalog has Kraftfiles that repeat a kconfig key, which YamlDotNet would refuse).
/// </summary>
internal static class YamlDocumentReader
{
    public static YamlStream Load(KraftfileContext ctx, string text)
    {
        var events = YamlInput.ReadEvents(text, ctx.File, YamlLimits.Kraftfile);
        var kept = new List<ParsingEvent>(events.Count);
        for (var i = 0; i < events.Count;)
            i = CopyNode(ctx, events, i, kept);
        return YamlInput.Load(kept, ctx.File);
    }

    /// <summary>Copies the map starting at events[i], dropping all but the last of repeated keys.</summary>
    private static int CopyMapping(KraftfileContext ctx, List<ParsingEvent> events, int i, List<ParsingEvent> output)
    {
        output.Add(events[i++]);
        var pairs = new List<List<ParsingEvent>?>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        while (events[i] is not MappingEnd)
        {
            var pair = new List<ParsingEvent>();
            var key = events[i] is Scalar s ? s.Value : null;
            var keyEvent = events[i];
            i = CopyNode(ctx, events, i, pair);
            i = CopyNode(ctx, events, i, pair);
            if (key is not null && byKey.TryGetValue(key, out var earlier) && !pairs[earlier]!.Any(DefinesAnchor))
            {
                ctx.Warnings.Add($"{new SourceLocation(ctx.File, (int)keyEvent.Start.Line, (int)keyEvent.Start.Column)}: " +
                    $"key '{key}' is given more than once; the last one is used");
                pairs[earlier] = null;
            }
            if (key is not null) byKey[key] = pairs.Count;
            pairs.Add(pair);
        }
        foreach (var pair in pairs)
            if (pair is not null) output.AddRange(pair);
        output.Add(events[i]);
        return i + 1;
    }

    /// <summary>
    /// Copies the node or stream/document marker at events[i] to <paramref name="output"/>;
    /// returns the index after it. Recursion is bounded by YamlLimits.MaxDepth.
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
}
