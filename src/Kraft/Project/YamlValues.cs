using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>What a YAML scalar means under the YAML 1.2 core schema (the one Go's yaml.v3 uses).</summary>
internal enum ScalarKind { Null, Bool, Int, Float, String }

/// <summary>
/// Typing of YAML nodes for the representation model, which only hands us text: a plain
/// <c>0.6</c> and a quoted <c>'0.6'</c> both arrive as "0.6", so the scalar style and tag decide.
/// </summary>
internal static partial class YamlValues
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    public static ScalarKind KindOf(YamlScalarNode scalar)
    {
        if (!scalar.Tag.IsEmpty)
        {
            // An explicit tag wins over the text; "!" is the non-specific tag quoted scalars get.
            return scalar.Tag.Value switch
            {
                TagPrefix + "null" => ScalarKind.Null,
                TagPrefix + "bool" => ScalarKind.Bool,
                TagPrefix + "int" => ScalarKind.Int,
                TagPrefix + "float" => ScalarKind.Float,
                _ => ScalarKind.String,
            };
        }
        if (scalar.Style is not (YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any))
            return ScalarKind.String;
        var v = scalar.Value ?? "";
        if (v is "" or "~" or "null" or "Null" or "NULL") return ScalarKind.Null;
        if (v is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return ScalarKind.Bool;
        if (IntPattern().IsMatch(v)) return ScalarKind.Int;
        if (FloatPattern().IsMatch(v)) return ScalarKind.Float;
        return ScalarKind.String;
    }

    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode s && KindOf(s) == ScalarKind.Null;

    public static bool IsTrue(YamlScalarNode scalar) => scalar.Value is "true" or "True" or "TRUE";

    /// <summary>
    /// The text of a scalar as a user would expect it back: decimal integers are normalised
    /// ("+07" ⇒ "7"), hex/octal and floats keep their spelling rather than being reformatted.
    /// </summary>
    public static string Text(YamlScalarNode scalar)
    {
        var v = scalar.Value ?? "";
        if (KindOf(scalar) == ScalarKind.Int && DecimalPattern().IsMatch(v) &&
            long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return n.ToString(CultureInfo.InvariantCulture);
        return v;
    }

    /// <summary>How a node reads in an error message: "a list", "a number"...</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a map",
        YamlSequenceNode => "a list",
        YamlScalarNode s => KindOf(s) switch
        {
            ScalarKind.Null => "null",
            ScalarKind.Bool => "a boolean",
            ScalarKind.Int or ScalarKind.Float => "a number",
            _ => "a string",
        },
        _ => "an unsupported YAML node",
    };

    [GeneratedRegex(@"^([-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();
}
