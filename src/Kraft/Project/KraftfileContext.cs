using YamlDotNet.RepresentationModel;

namespace Kraft.Project;

/// <summary>
/// What every field parser needs while reading one Kraftfile: where it is (for error locations
/// and for resolving relative paths) and the list that collects warnings.
/// </summary>
internal sealed class KraftfileContext(string file, string directory)
{
    /// <summary>The Kraftfile path as it should appear in messages.</summary>
    public string File { get; } = file;
    /// <summary>Absolute project directory; relative paths in the file are resolved against it.</summary>
    public string Directory { get; } = directory;
    public List<string> Warnings { get; } = [];

    public SourceLocation At(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    public KraftException Error(YamlNode node, string message, string? hint = null) =>
        new(message, At(node), hint);

    public void Warn(YamlNode node, string message) => Warnings.Add($"{At(node)}: {message}");

    /// <summary>An absolute path for a path written in the file (relative to the project directory, ~ expanded).</summary>
    public string ResolvePath(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 1 ? path[2..] : "");
        return Path.GetFullPath(Path.Combine(Directory, path));
    }

    // ---- typed accessors: each throws a located error naming the field when the shape is wrong ----

    public YamlScalarNode Scalar(YamlNode node, string field, string? hint = null) =>
        node as YamlScalarNode ?? throw Error(node, $"'{field}' must be a string, not {YamlValues.Describe(node)}", hint);

    /// <summary>A scalar's text; null for YAML null. Numbers and booleans are accepted as their text.</summary>
    public string? OptionalString(YamlNode node, string field)
    {
        var s = Scalar(node, field);
        return YamlValues.KindOf(s) == ScalarKind.Null ? null : YamlValues.Text(s);
    }

    public string RequiredString(YamlNode node, string field, string? hint = null)
    {
        var s = Scalar(node, field, hint);
        var text = YamlValues.KindOf(s) == ScalarKind.Null ? "" : YamlValues.Text(s);
        if (text.Length == 0) throw Error(node, $"'{field}' must not be empty", hint);
        return text;
    }

    public bool Bool(YamlNode node, string field)
    {
        if (node is YamlScalarNode s && YamlValues.KindOf(s) == ScalarKind.Bool) return YamlValues.IsTrue(s);
        throw Error(node, $"'{field}' must be true or false, not {YamlValues.Describe(node)}");
    }

    /// <summary>The entries of a map with their key text; keys must be non-empty scalars.</summary>
    public IEnumerable<(string Key, YamlScalarNode KeyNode, YamlNode Value)> Entries(YamlMappingNode map)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode key || YamlValues.IsNull(key))
                throw Error(k, $"map keys must be strings, not {YamlValues.Describe(k)}");
            yield return (key.Value ?? "", key, v);
        }
    }

    /// <summary>True for keys the Kraftfile spec reserves for user extensions (x-*), which we skip.</summary>
    public static bool IsExtension(string key) => key.StartsWith("x-", StringComparison.Ordinal);
}
