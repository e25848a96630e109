using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// Reads a kconfig block, written either as a list of "CONFIG_X=value" strings or as a map
/// "CONFIG_X: value". The result keeps file order; a key given twice keeps its first position
/// and its last value, which is what a later assignment means to Kconfig anyway.
/// </summary>
internal static partial class KconfigParser
{
    private const string Hint = "write kconfig as a list (- CONFIG_FOO=y) or a map (CONFIG_FOO: 'y')";

    public static IReadOnlyList<KconfigOption> Parse(KraftfileContext ctx, YamlNode node)
    {
        var options = new List<KconfigOption>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        switch (node)
        {
            case YamlScalarNode s when YamlValues.KindOf(s) == ScalarKind.Null:
                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                    Add(options, positions, FromListItem(ctx, item));
                break;
            case YamlMappingNode map:
                foreach (var (key, keyNode, value) in ctx.Entries(map))
                    Add(options, positions, new KconfigOption(NormaliseName(ctx, keyNode, key), MapValue(ctx, keyNode, key, value), ctx.At(keyNode)));
                break;
            default:
                throw ctx.Error(node, $"'kconfig' must be a list or a map, not {YamlValues.Describe(node)}", Hint);
        }
        return options;
    }

    private static KconfigOption FromListItem(KraftfileContext ctx, YamlNode item)
    {
        if (item is not YamlScalarNode s || YamlValues.KindOf(s) == ScalarKind.Null)
            throw ctx.Error(item, $"kconfig list items must be CONFIG_NAME=value strings, not {YamlValues.Describe(item)}", Hint);
        var text = s.Value ?? "";
        var eq = text.IndexOf('=');
        if (eq < 0)
            throw ctx.Error(item, $"kconfig option '{text}' must be a key-value pair (CONFIG_NAME=value)", Hint);
        var value = text[(eq + 1)..].Trim();
        if (value.Length == 0)
            throw ctx.Error(item, $"kconfig option '{text}' has no value", "use =n to disable an option, or remove the line");
        // "CONFIG_X=\"text\"" is how .config files quote strings; the quotes are not part of the value.
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
        return new KconfigOption(NormaliseName(ctx, item, text[..eq].Trim()), value, ctx.At(item));
    }

    private static string MapValue(KraftfileContext ctx, YamlNode keyNode, string key, YamlNode value)
    {
        if (value is not YamlScalarNode s)
            throw ctx.Error(value, $"kconfig option '{key}' must have a scalar value, not {YamlValues.Describe(value)}", Hint);
        var text = YamlValues.KindOf(s) switch
        {
            ScalarKind.Null => "",
            ScalarKind.Bool => YamlValues.IsTrue(s) ? "y" : "n",
            _ => YamlValues.Text(s),
        };
        if (text.Length == 0)
            // An empty "CONFIG_X:" has its null value positioned after the colon; the key is clearer.
            throw ctx.Error(YamlValues.IsNull(value) && value.Start.Line == keyNode.Start.Line && s.Value is "" ? keyNode : value,
                $"kconfig option '{key}' has no value", "use 'n' to disable an option, or remove the line");
        return text;
    }

    /// <summary>Adds the CONFIG_ prefix people often leave out, and refuses names Kconfig cannot have.</summary>
    private static string NormaliseName(KraftfileContext ctx, YamlNode node, string name)
    {
        if (!NamePattern().IsMatch(name))
            throw ctx.Error(node, $"'{name}' is not a valid kconfig option name", "names are made of letters, digits and _, e.g. CONFIG_LIBUKDEBUG");
        return name.StartsWith("CONFIG_", StringComparison.Ordinal) ? name : "CONFIG_" + name;
    }

    private static void Add(List<KconfigOption> options, Dictionary<string, int> positions, KconfigOption option)
    {
        if (positions.TryGetValue(option.Name, out var at)) options[at] = option;
        else
        {
            positions[option.Name] = options.Count;
            options.Add(option);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex NamePattern();
}
