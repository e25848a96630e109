namespace Kraft;

/// <summary>What a name names: used in messages ("library name", "machine name"...).</summary>
public enum NameKind
{
    Component,
    Library,
    Core,
    Template,
    Target,
    Machine,
    Network,
    Volume,
    Package,
    Project,
}

/// <summary>
/// The one rule for every name kraft turns into a folder or file name (components, targets,
/// machines, networks, volumes, packages): 1 to 128 characters from [A-Za-z0-9_.+-] ('+' as in the
/// catalog's helloworld-g++13.2), starting with
/// a letter or digit, without "..". So a name can never be a separator, a parent reference, an
/// absolute path, a hidden file or carry a NUL; derived paths are still checked with
/// <see cref="Host.ContainedPath"/> before anything is written there.
/// </summary>
public static class Names
{
    public const int MaxLength = 128;
    public const string Rule = "1 to 128 characters from A-Z a-z 0-9 _ . + -, starting with a letter or digit, without \"..\"";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength) return false;
        if (!char.IsAsciiLetterOrDigit(name[0])) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '+')) return false;
        return !name.Contains("..", StringComparison.Ordinal);
    }

    /// <summary>Returns <paramref name="name"/> when valid; otherwise a located error that shows it safely.</summary>
    public static string Check(NameKind kind, string? name, SourceLocation? location = null)
    {
        if (IsValid(name)) return name!;
        throw new KraftException($"invalid {Describe(kind)} {Quote(name)}: a name is {Rule}", location,
            hint: $"rename it, e.g. {Quote(Suggest(name))}");
    }

    public static string Describe(NameKind kind) => kind switch
    {
        NameKind.Component => "component name",
        NameKind.Library => "library name",
        NameKind.Core => "core name",
        NameKind.Template => "template name",
        NameKind.Target => "target name",
        NameKind.Machine => "machine name",
        NameKind.Network => "network name",
        NameKind.Volume => "volume name",
        NameKind.Package => "package name",
        NameKind.Project => "project name",
        _ => "name",
    };

    /// <summary>A valid name close to <paramref name="name"/>: other characters become '-'.</summary>
    public static string Suggest(string? name)
    {
        var chars = (name ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-').ToArray();
        var s = new string(chars).Trim('-', '_');
        while (s.Contains("--", StringComparison.Ordinal)) s = s.Replace("--", "-", StringComparison.Ordinal);
        if (s.Length == 0) s = "name";
        return s.Length > MaxLength ? s[..MaxLength] : s;
    }

    /// <summary>A name as it may be shown: quoted, control characters escaped, long ones cut.</summary>
    public static string Quote(string? name)
    {
        if (name is null) return "(none)";
        var sb = new System.Text.StringBuilder("'");
        foreach (var c in name.Length > 80 ? name[..80] : name)
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        if (name.Length > 80) sb.Append('…');
        return sb.Append('\'').ToString();
    }
}
